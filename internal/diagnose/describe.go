package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"

	smithy "github.com/aws/smithy-go"
)

// Describe is err in one line for people. The SDK's operation error
// ("operation error S3: UploadPart, exceeded maximum number of attempts, 5,
// https response error StatusCode: 503, RequestID: R, HostID: H, api error
// SlowDown: Please reduce your request rate.") becomes "UploadPart: HTTP
// 503 SlowDown: Please reduce your request rate. (5 attempts, request id
// R)"; words around it (the engine's own) are kept. A diagnosis gives its
// Summary. The whole chain is for --debug and the JSON error field.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	var d *Diagnosis
	if errors.As(err, &d) {
		return d.Summary()
	}
	full := err.Error()
	var oe *smithy.OperationError
	if !errors.As(err, &oe) {
		return firstLine(full)
	}
	short := describeOperation(oe)
	if i := strings.Index(full, oe.Error()); i >= 0 {
		return firstLine(full[:i] + short + full[i+len(oe.Error()):])
	}
	// A wrapper that does not repeat the SDK's chain has said it in its
	// own words (an *upload.NoSuchUploadError, ...).
	return firstLine(full)
}

// describeOperation says what became of one SDK operation: the answer's
// status, code and message, or why there was none.
func describeOperation(oe *smithy.OperationError) string {
	op := oe.OperationName
	if nf, ok := networkFailure(oe); ok {
		return op + ": " + nf.line(oe.ServiceID) + attemptsNote(oe, "")
	}
	if errors.Is(oe, context.Canceled) {
		return op + ": cancelled"
	}
	if errors.Is(oe, context.DeadlineExceeded) {
		return op + ": timed out"
	}
	status, code, msg := HTTPStatus(oe), ErrorCode(oe), errorMessage(oe)
	var what string
	switch {
	case status != 0 && code != "":
		what = fmt.Sprintf("HTTP %d %s", status, code)
	case status != 0:
		what = fmt.Sprintf("HTTP %d", status)
	case code != "":
		what = code
	default:
		what = rootCause(oe)
	}
	if msg != "" {
		what += ": " + strings.TrimSpace(msg)
	}
	return op + ": " + what + attemptsNote(oe, RequestID(oe))
}

func attemptsNote(err error, requestID string) string {
	var parts []string
	if n, window := attempts(err); n > 1 && window > 0 {
		parts = append(parts, fmt.Sprintf("%d attempts over the %s retry window", n, window))
	} else if n > 1 {
		parts = append(parts, fmt.Sprintf("%d attempts", n))
	}
	if requestID != "" {
		parts = append(parts, "request id "+requestID)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// rootCause names a failure without an answer in a few words: the system
// error ("connection reset by peer"), a truncated response, or the
// innermost error's text.
func rootCause(err error) string {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed mid-response (unexpected EOF)"
	case errors.Is(err, io.EOF):
		return "connection closed before the response (EOF)"
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
