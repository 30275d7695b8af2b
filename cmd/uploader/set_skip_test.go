package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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
	stored := func(f func(*storedObject)) *storedObject {
		o := &storedObject{size: 10, lastModified: mtime.Add(time.Minute), sse: "aws:kms", kmsKey: keyARN}
		if f != nil {
			f(o)
		}
		return o
	}
	tests := []struct {
		name    string
		rule    skipRule
		obj     *storedObject
		local   string // the file's checksum; "" fails the test if asked for
		want    bool
		sumUsed bool
	}{
		{"no object", skipRule{alg: checksum.CRC64NVME}, nil, "", false, false},
		{"size differs", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) { o.size = 11 }), "", false, false},
		{"same checksum, even if older", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.checksum, o.checksumType, o.lastModified = crc, types.ChecksumTypeFullObject, mtime.Add(-time.Hour)
		}), crc, true, true},
		{"checksum differs, even if newer", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) { o.checksum = crc }), other, false, true},
		{"malformed checksum (moto's 4 bytes for CRC64NVME): LastModified decides", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.checksum = checksum.Encode([]byte{1, 2, 3, 4})
		}), "", true, false},
		{"COMPOSITE checksum: LastModified decides", skipRule{alg: checksum.CRC32}, stored(func(o *storedObject) {
			o.checksum, o.checksumType = checksum.Encode([]byte{1, 2, 3, 4})+"-3", types.ChecksumTypeComposite
		}), "", true, false},
		{"no checksum, stored after the change", skipRule{alg: checksum.CRC64NVME}, stored(nil), "", true, false},
		{"no checksum, stored in the same second as the change", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.lastModified = mtime.Truncate(time.Second)
		}), "", true, false},
		{"no checksum, file changed after", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.lastModified = mtime.Add(-time.Second)
		}), "", false, false},
		{"no checksums configured (when_required): LastModified decides", skipRule{}, stored(func(o *storedObject) { o.checksum = crc }), "", true, false},
		{"stored unencrypted, KMS asked", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(func(o *storedObject) { o.sse, o.kmsKey = "", "" }), "", false, false},
		{"stored with another key", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(func(o *storedObject) { o.kmsKey = keyARN + "x" }), "", false, false},
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
			got, why, err := tt.rule.decide(tt.obj, 10, mtime, sum)
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

func sdkError(op string, status int, code string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code},
		},
	}}
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
		{"missing", headAnswer{err: sdkError("HeadObject", 404, "NotFound")}, false, 0},
		{"denied", headAnswer{err: sdkError("HeadObject", 403, "Forbidden")}, false, ExitDiagnosed},
		{"transient", headAnswer{err: sdkError("HeadObject", 503, "SlowDown")}, false, ExitTransient},
		{"other", headAnswer{err: sdkError("HeadObject", 400, "InvalidArgument")}, false, ExitFailed},
	}
	intr := &interrupter{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, err := headStored(context.Background(), tt.answer, "b", "k", checksum.CRC64NVME)
			if err != nil {
				err = headFailure(err, "b", "k", "arn:aws:iam::111122223333:user/u")
			}
			if (obj != nil) != tt.wantObj {
				t.Fatalf("object %+v, want one: %v", obj, tt.wantObj)
			}
			if obj != nil && (obj.size != 10 || !obj.lastModified.Equal(when) || obj.checksum != "AAAAAAAAAAA=" || obj.checksumType != types.ChecksumTypeFullObject) {
				t.Fatalf("object %+v", obj)
			}
			code := 0
			if err != nil {
				code = setFileCode(intr, err)
			}
			if code != tt.wantCode {
				t.Fatalf("error %v: exit %d, want %d", err, code, tt.wantCode)
			}
			if tt.wantCode == ExitDiagnosed && !strings.Contains(err.Error(), "s3:GetObject") {
				t.Fatalf("the denial does not name s3:GetObject: %v", err)
			}
		})
	}
}
