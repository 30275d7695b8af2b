package upload

import (
	"context"
	"errors"
	"testing"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
)

// A bare AccessDenied on a part is blamed on kms:Decrypt only when the
// engine's own round trip proves it; a round trip that KMS allows puts the
// blame on S3's side; anything else names both causes.
func TestDenialIsProvenBeforeBlame(t *testing.T) {
	tests := []struct {
		name       string
		kms        *fakeKMS // nil: no Options.KMS
		want       Code
		wantCalls  int
		wantAction string
	}{
		{"Decrypt denied: proven missing kms:Decrypt", &fakeKMS{denyDecrypt: true}, MissingKMSDecrypt, 2, ""},
		{"both allowed: s3:PutObject, not KMS", &fakeKMS{}, S3AccessDenied, 2, "s3:PutObject"},
		{"direct GenerateDataKey denied (key usable only through S3): unproven", &fakeKMS{denyGenerate: true}, KMSDecryptOrS3Denied, 1, ""},
		{"KMS unreachable: unproven", &fakeKMS{fail: errors.New("dial tcp: connection refused")}, KMSDecryptOrS3Denied, 1, ""},
		{"no KMS client: unproven", nil, KMSDecryptOrS3Denied, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.failPart = func(n int32) error {
				if n >= 2 {
					return s3Denied("UploadPart")
				}
				return nil
			}
			opts := Options{Concurrency: 4, Diagnostics: Diagnostics{Principal: "arn:aws:iam::123456789012:user/backup"}}
			if tt.kms != nil {
				opts.KMS = tt.kms
			}
			in := kmsInput(randomBytes(30 * size.MiB))
			_, err := New(f, opts).Upload(context.Background(), in)
			var d *diagnose.Diagnosis
			if !errors.As(err, &d) {
				t.Fatalf("error %v carries no diagnosis", err)
			}
			if d.Code != tt.want || d.Action != tt.wantAction {
				t.Fatalf("diagnosis %s (action %q), want %s (action %q): %s", d.Code, d.Action, tt.want, tt.wantAction, d.Message)
			}
			if tt.kms == nil {
				return
			}
			if n := tt.kms.callCount(); n != tt.wantCalls {
				t.Fatalf("%d KMS calls, want %d (one round trip, once)", n, tt.wantCalls)
			}
			if tt.kms.keyID != in.SSE.KMSKeyID || tt.kms.context["aws:s3:arn"] != "arn:aws:s3:::bucket/obj" {
				t.Fatalf("round trip on key %q with context %v, want the upload's key and S3's context", tt.kms.keyID, tt.kms.context)
			}
		})
	}
}
