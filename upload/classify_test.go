package upload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

func sdkErr(op string, status int, code string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code},
		},
	}}
}

func TestClassify(t *testing.T) {
	denied := &diagnose.Diagnosis{Code: diagnose.MissingKMSDecrypt}
	expired := &diagnose.Diagnosis{Code: diagnose.CredentialsExpired}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, Other},
		{"a permanent diagnosis", &Error{Err: denied}, Permanent},
		{"KMS throttled", &Error{Err: &diagnose.Diagnosis{Code: diagnose.KMSThrottled}}, Transient},
		{"credentials expired before any upload", expired, Permanent},
		{"credentials expired with a multipart upload under way", &Error{UploadID: "u1", Kept: true, Err: expired}, Transient},
		{"SlowDown after the last retry: a plain SDK error", &Error{Err: sdkErr("UploadPart", 503, "SlowDown")}, Transient},
		{"a 500", sdkErr("PutObject", 500, "InternalError"), Transient},
		{"an undiagnosed 400", sdkErr("PutObject", 400, "InvalidArgument"), Other},
		{"cancelled", &Error{Err: fmt.Errorf("part 3: %w", context.Canceled)}, Interrupted},
		{"deadline", context.DeadlineExceeded, Interrupted},
		{"stopped", &Error{UploadID: "u", Kept: true, Err: ErrStopped}, Interrupted},
		{"a diagnosis of a cancelled request", &Error{Err: &diagnose.Diagnosis{Code: diagnose.EndpointUnreachable, Err: context.Canceled}}, Interrupted},
		{"source changed", &SourceChangedError{Path: "/x", Size: 1, Expected: 2}, Other},
		{"other", errors.New("disk on fire"), Other},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
