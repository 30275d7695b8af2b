package diagnose

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sdkErr builds an error shaped like the SDK's: OperationError >
// awshttp.ResponseError > smithyhttp.ResponseError > API error.
func sdkErr(service, op string, status int, inner error, reqID string, hdr ...string) error {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: h}},
			Err:      inner,
		},
		RequestID: reqID,
	}}
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func s3Err(op string, status int, code, msg string, hdr ...string) error {
	return sdkErr("S3", op, status, apiErr(code, msg), "REQ1", hdr...)
}

func kmsErr(op string, status int, code, msg string) error {
	return sdkErr("KMS", op, status, apiErr(code, msg), "KREQ1")
}

// undecodable403 is what moto or a proxy produces for a KMS/STS denial: an
// XML body where the SDK expects JSON.
func undecodable403(service, op, body string) error {
	return sdkErr(service, op, 403, &smithy.DeserializationError{Err: errString("failed to decode response body, invalid character '<' looking for beginning of value"), Snapshot: []byte(body)}, "")
}

type errString string

func (e errString) Error() string { return string(e) }

const (
	acct      = "111122223333"
	otherAcct = "444455556666"
	keyARN    = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	xKeyARN   = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	userARN   = "arn:aws:iam::111122223333:user/uploader"
	sessARN   = "arn:aws:sts::111122223333:assumed-role/Uploader/session-1"
	roleARN   = "arn:aws:iam::111122223333:role/Uploader"
)

// sendFailed is the SDK's chain for a request that got no answer:
// OperationError > MaxAttemptsError > RequestSendError > *url.Error > cause.
func sendFailed(service, op, u string, cause error) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &retry.MaxAttemptsError{Attempt: 3,
		Err: &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: u, Err: cause}}}}
}

func refused(service, op, u string) error {
	return sendFailed(service, op, u, &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}})
}

func dnsFail(service, op, u string) error {
	host := u[strings.Index(u, "//")+2:]
	host = host[:strings.IndexByte(host, '/')]
	return sendFailed(service, op, u, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}})
}

func untrusted(service, op, u string) error {
	return sendFailed(service, op, u, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}})
}

var smithyOpCanceled = smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: &smithy.CanceledError{Err: context.Canceled}}

// testStall behaves as internal/netpolicy's StallError (which imports
// this package, so the tests cannot).
type testStall struct{ connect bool }

func (e testStall) Error() string {
	if e.connect {
		return "no connection within 2s"
	}
	return "the connection to http://127.0.0.1:1 stalled: no byte moved for 2s while sending the request"
}
func (e testStall) Stalled() bool { return !e.connect }
func (e testStall) Timeout() bool { return true }
