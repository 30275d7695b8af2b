package upload

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
)

// s3Denied is an S3 403 AccessDenied as the SDK returns it.
func s3Denied(op string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 403, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"},
		},
		RequestID: "REQ-42",
	}}
}

// A denied part under SSE-KMS is diagnosed as missing kms:Decrypt, with
// the principal looked up once, and the parts still in flight are
// cancelled rather than left to fail one by one.
func TestDeniedPartIsDiagnosedAndStopsUpload(t *testing.T) {
	f := newFake()
	var inflightCancelled atomic.Int32
	f.failPart = func(n int32) error {
		if n == 2 {
			return s3Denied("UploadPart")
		}
		return nil
	}
	var lookups atomic.Int32
	slow := &slowParts{fakeS3: f, cancelled: &inflightCancelled}
	u := New(slow, Options{Concurrency: 4, KMS: &fakeKMS{denyDecrypt: true}, Diagnostics: Diagnostics{
		LookupPrincipal: func(context.Context) (string, error) {
			lookups.Add(1)
			return "arn:aws:sts::123456789012:assumed-role/Backup/session", nil
		},
	}})
	_, err := u.Upload(context.Background(), kmsInput(randomBytes(30*size.MiB)))
	var d *diagnose.Diagnosis
	if !errors.As(err, &d) {
		t.Fatalf("error %v carries no diagnosis", err)
	}
	if d.Code != diagnose.MissingKMSDecrypt || d.Operation != "UploadPart" || d.Part != 2 || d.Parts != 4 {
		t.Fatalf("diagnosis %+v", d)
	}
	if d.Principal != "arn:aws:iam::123456789012:role/Backup" {
		t.Fatalf("principal %q, want the role ARN", d.Principal)
	}
	if d.Key != kmsInput(nil).SSE.KMSKeyID || d.UploadID == "" || d.RequestID != "REQ-42" {
		t.Fatalf("diagnosis evidence missing: %+v", d)
	}
	if lookups.Load() != 1 {
		t.Fatalf("principal looked up %d times, want once", lookups.Load())
	}
	if inflightCancelled.Load() == 0 {
		t.Fatal("in-flight parts were not cancelled")
	}
	var ue *Error
	if !errors.As(err, &ue) || !ue.Aborted {
		t.Fatalf("upload not aborted: %v", err)
	}
}

// slowParts holds parts other than 2 until the upload is cancelled or a
// second passes, so the test sees whether a denial stops them.
type slowParts struct {
	*fakeS3
	cancelled *atomic.Int32
}

func (s *slowParts) UploadPart(ctx context.Context, in *s3UploadPartInput, optFns ...s3OptFn) (*s3UploadPartOutput, error) {
	if *in.PartNumber != 2 {
		select {
		case <-ctx.Done():
			s.cancelled.Add(1)
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return s.fakeS3.UploadPart(ctx, in, optFns...)
}
