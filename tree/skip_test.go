package tree

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/upload"
)

// The --skip-existing rule: size, encryption, then the full-object
// checksum where S3 reports a well-formed one, else the aws s3 sync rule
// on LastModified.
func TestSkipDecide(t *testing.T) {
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)
	crc := checksum.Encode(make([]byte, 8)) // a well-formed CRC64NVME
	other := checksum.Encode([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	const keyARN = "arn:aws:kms:us-east-1:111122223333:key/k1"
	kms := upload.SSE{Mode: upload.SSEKMS, KMSKeyID: keyARN}
	stored := func(f func(*Stored)) *Stored {
		o := &Stored{Size: 10, LastModified: mtime.Add(time.Minute), SSE: "aws:kms", KMSKey: keyARN}
		if f != nil {
			f(o)
		}
		return o
	}
	type skipRule struct {
		alg checksum.Algorithm
		sse upload.SSE
	}
	tests := []struct {
		name    string
		rule    skipRule
		obj     *Stored
		local   string // the file's checksum; "" fails the test if asked for
		want    bool
		sumUsed bool
	}{
		{"size differs", skipRule{alg: checksum.CRC64NVME}, stored(func(o *Stored) { o.Size = 11 }), "", false, false},
		{"same checksum, even if older", skipRule{alg: checksum.CRC64NVME}, stored(func(o *Stored) {
			o.Checksum, o.ChecksumType, o.LastModified = crc, types.ChecksumTypeFullObject, mtime.Add(-time.Hour)
		}), crc, true, true},
		{"checksum differs, even if newer", skipRule{alg: checksum.CRC64NVME}, stored(func(o *Stored) { o.Checksum = crc }), other, false, true},
		{"malformed checksum (moto's 4 bytes for CRC64NVME): LastModified decides", skipRule{alg: checksum.CRC64NVME}, stored(func(o *Stored) {
			o.Checksum = checksum.Encode([]byte{1, 2, 3, 4})
		}), "", true, false},
		{"COMPOSITE checksum: LastModified decides", skipRule{alg: checksum.CRC32}, stored(func(o *Stored) {
			o.Checksum, o.ChecksumType = checksum.Encode([]byte{1, 2, 3, 4})+"-3", types.ChecksumTypeComposite
		}), "", true, false},
		{"no checksum, stored after the change", skipRule{alg: checksum.CRC64NVME}, stored(nil), "", true, false},
		{"no checksum, stored in the same second as the change", skipRule{alg: checksum.CRC64NVME}, stored(func(o *Stored) {
			o.LastModified = mtime.Truncate(time.Second)
		}), "", true, false},
		{"no checksum, file changed after", skipRule{alg: checksum.CRC64NVME}, stored(func(o *Stored) {
			o.LastModified = mtime.Add(-time.Second)
		}), "", false, false},
		{"no checksums configured (when_required): LastModified decides", skipRule{}, stored(func(o *Stored) { o.Checksum = crc }), "", true, false},
		{"stored unencrypted, KMS asked", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(func(o *Stored) { o.SSE, o.KMSKey = "", "" }), "", false, false},
		{"stored with another key", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(func(o *Stored) { o.KMSKey = keyARN + "x" }), "", false, false},
		{"stored with the key asked for", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(nil), "", true, false},
		{"key asked by id", skipRule{sse: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "k1"}}, stored(nil), "", true, false},
		{"key asked by alias: the mode counts", skipRule{sse: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/x"}}, stored(nil), "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used := false
			sum := func() (string, error) {
				used = true
				if tt.local == "" {
					return "", errors.New("the file's checksum was not needed here")
				}
				return tt.local, nil
			}
			got, why, err := ContentRule(*tt.obj, tt.rule.sse, tt.rule.alg, 10, mtime, sum)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || used != tt.sumUsed || why == "" {
				t.Fatalf("skip %v (%s), checksum read %v; want skip %v, read %v", got, why, used, tt.want, tt.sumUsed)
			}
		})
	}
}

// headAnswer is a HeadObject that answers with out or err.
type headAnswer struct {
	out *s3.HeadObjectOutput
	err error
}

func (h headAnswer) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if in.ChecksumMode != types.ChecksumModeEnabled {
		return nil, errors.New("HeadObject without ChecksumMode: S3 would not send the checksums")
	}
	return h.out, h.err
}

// What one HeadObject means for --skip-existing: an object, none (404),
// a denial (a diagnosis: exit 3, the set stops), or a failure of the file
// (exit 4 when transient, else 1).
func TestHeadStored(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		answer   headAnswer
		wantObj  bool
		wantCode int // of the error; 0: none
	}{
		{"stored", headAnswer{out: &s3.HeadObjectOutput{ContentLength: aws.Int64(10), LastModified: &when, ChecksumCRC64NVME: aws.String("AAAAAAAAAAA="), ChecksumType: types.ChecksumTypeFullObject}}, true, 0},
		{"missing", headAnswer{err: sdkErr("HeadObject", 404, "NotFound")}, false, 0},
		{"denied", headAnswer{err: sdkErr("HeadObject", 403, "Forbidden")}, false, ExitDiagnosed},
		{"transient", headAnswer{err: sdkErr("HeadObject", 503, "SlowDown")}, false, ExitTransient},
		{"other", headAnswer{err: sdkErr("HeadObject", 400, "InvalidArgument")}, false, ExitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := headStored(context.Background(), tt.answer, "b", "k", checksum.CRC64NVME)
			if err != nil {
				err = headFailure(err, "b", "k", "arn:aws:iam::111122223333:user/u")
			}
			if (obj != nil) != tt.wantObj {
				t.Fatalf("object %+v, want one: %v", obj, tt.wantObj)
			}
			if obj != nil && (obj.Size != 10 || !obj.LastModified.Equal(when) || obj.Checksum != "AAAAAAAAAAA=" || obj.ChecksumType != types.ChecksumTypeFullObject) {
				t.Fatalf("object %+v", obj)
			}
			code := ExitCode(Summary{Err: err}, 0)
			if code != tt.wantCode {
				t.Fatalf("error %v: exit %d, want %d", err, code, tt.wantCode)
			}
			if tt.wantCode == ExitDiagnosed && !strings.Contains(err.Error(), "s3:GetObject") {
				t.Fatalf("the denial does not name s3:GetObject: %v", err)
			}
		})
	}
}
