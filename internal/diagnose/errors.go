package diagnose

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ErrorCode returns the API error code (e.g. "AccessDenied",
// "KMS.DisabledException"), or "". When the SDK could not decode the error
// body (moto and proxies answer KMS/STS denials with XML where the SDK
// expects JSON) the code is recovered from the raw body it kept.
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	code, _, _ := snapshotError(err)
	return code
}

// errorMessage is the service's message, from the API error or the raw body.
func errorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	_, msg, _ := snapshotError(err)
	return msg
}

// HTTPStatus returns the HTTP status of the response that failed, 0 when
// the request never got one (no credentials, network error, ...).
func HTTPStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// requestURL is the URL of the request whose response failed, nil when
// there was none.
func requestURL(err error) *url.URL {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil && re.Response.Request != nil {
		return re.Response.Request.URL
	}
	return nil
}

// RequestID returns the AWS request id of the failed request, "" if none.
// The SDK leaves it empty when it could not decode the body, so the
// response headers and the raw body are tried too.
func RequestID(err error) string {
	// *awshttp.ResponseError (and S3's wrapper of it) carry the id parsed
	// from the response.
	var rid interface{ ServiceRequestID() string }
	if errors.As(err, &rid) && rid.ServiceRequestID() != "" {
		return rid.ServiceRequestID()
	}
	if h := responseHeader(err); h != nil {
		for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Request-Id"} {
			if v := h.Get(k); v != "" {
				return v
			}
		}
	}
	_, _, id := snapshotError(err)
	return id
}

// hostID is S3's x-amz-id-2, which AWS support asks for with the request id.
func hostID(err error) string {
	// s3.ResponseError is an interface over an internal type; match it by
	// its method so we need not import service/internal.
	var h interface{ ServiceHostID() string }
	if errors.As(err, &h) {
		return h.ServiceHostID()
	}
	return ""
}

func responseHeader(err error) http.Header {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil {
		return re.Response.Header
	}
	return nil
}

// operationOf returns the SDK's operation and service names for err.
func operationOf(err error) (service, operation string) {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.ServiceID, oe.OperationName
	}
	return "", ""
}

// snapshotError decodes the body the SDK kept when it failed to deserialize
// an error response: XML (<Error><Code>, moto's ErrorResponse) or JSON
// (__type/code, message).
func snapshotError(err error) (code, message, requestID string) {
	var de *smithy.DeserializationError
	if !errors.As(err, &de) || len(de.Snapshot) == 0 {
		return "", "", ""
	}
	body := strings.TrimSpace(string(de.Snapshot))
	if strings.HasPrefix(body, "<") {
		var x struct {
			Code      string `xml:"Code"`
			Message   string `xml:"Message"`
			RequestID string `xml:"RequestId"`
			Error     struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
		}
		if xml.Unmarshal([]byte(body), &x) != nil {
			return "", "", ""
		}
		if x.Error.Code != "" {
			return x.Error.Code, x.Error.Message, x.RequestID
		}
		return x.Code, x.Message, x.RequestID
	}
	var j struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	if json.Unmarshal([]byte(body), &j) != nil {
		return "", "", ""
	}
	c := j.Type
	if c == "" {
		c = j.Code
	}
	if i := strings.LastIndexByte(c, '#'); i >= 0 {
		c = c[i+1:]
	}
	m := j.Message
	if m == "" {
		m = j.MessageU
	}
	return c, m, ""
}

// baseCode drops S3's "KMS." prefix so S3-relayed and direct KMS errors
// compare equal.
func baseCode(code string) string { return strings.TrimPrefix(code, "KMS.") }

// IsAccessDenied reports an authorization denial: AccessDenied (S3),
// AccessDeniedException (KMS, STS, IAM), or HTTP 403 without a more specific
// code, including a 403 whose body the SDK could not decode. 403s that mean
// bad credentials (InvalidAccessKeyId, SignatureDoesNotMatch,
// ExpiredToken, ...) are not denials of a permission and are excluded.
func IsAccessDenied(err error) bool {
	if err == nil {
		return false
	}
	switch ErrorCode(err) {
	case "AccessDenied", "AccessDeniedException", "AllAccessDisabled":
		return true
	case "", "Forbidden":
		// "Forbidden" is what the SDK makes of a body-less 403 (HeadBucket).
		return HTTPStatus(err) == http.StatusForbidden
	}
	return false
}

// transientCodes are retry-worthy codes beyond what status 5xx covers.
var transientCodes = map[string]bool{
	"SlowDown": true, "RequestTimeout": true, "RequestTimeoutException": true,
	"InternalError": true, "ServiceUnavailable": true, "Throttling": true,
	"ThrottlingException": true, "RequestLimitExceeded": true,
	"TooManyRequestsException": true, "RequestThrottled": true,
	"RequestThrottledException": true, "BandwidthLimitExceeded": true,
	"KMSInternalException": true, "DependencyTimeoutException": true,
}

// permanentCodes are never retried even when a proxy pairs them with an odd
// status.
var permanentCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true,
	"DisabledException": true, "KMSInvalidStateException": true,
	"NotFoundException": true, "InvalidPart": true, "InvalidPartOrder": true,
	"BadDigest": true, "NoSuchBucket": true, "NoSuchUpload": true,
	"NoSuchKey": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"ExpiredToken": true, "ExpiredTokenException": true,
	"InvalidClientTokenId": true, "EntityTooSmall": true, "EntityTooLarge": true,
}

// IsTransient reports whether err is worth retrying with backoff: 5xx,
// SlowDown, RequestTimeout, KMS throttling, connection resets and truncated
// responses. Cancellation and deadlines are the caller's decision and never
// transient (a deadline cannot be told apart from the caller's own, so it is
// treated as the caller's); denials, key states, missing buckets/uploads and
// integrity errors are permanent.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ce *smithy.CanceledError
	if errors.As(err, &ce) {
		return false
	}
	if credentialFailure(err) {
		return false
	}
	code := baseCode(ErrorCode(err))
	if permanentCodes[code] || IsAccessDenied(err) {
		return false
	}
	if transientCodes[code] {
		return true
	}
	if s := HTTPStatus(err); s >= 500 || s == http.StatusTooManyRequests {
		return true
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ETIMEDOUT) ||
		errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// A bare EOF from the transport: the server closed the connection
	// before answering (idle-connection races, load balancers).
	var ue *url.Error
	if errors.As(err, &ue) && errors.Is(err, io.EOF) {
		return true
	}
	// Anything else the SDK's own retryer would retry (dial errors,
	// temporary net errors, "connection reset" by text, ...).
	for _, r := range retry.DefaultRetryables {
		if v := r.IsErrorRetryable(err); v != aws.UnknownTernary {
			return v == aws.TrueTernary
		}
	}
	return false
}
