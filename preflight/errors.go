package preflight

import (
	"errors"
	"strings"

	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// evidence is the one-line proof of a failed call: status, code and request
// id, which is what AWS support asks for; the SDK's text when there was no
// response.
func evidence(op string, err error) string {
	return op + ": " + evidenceOf(err)
}

// evidenceOf is evidence without the operation's name. A failure without
// an answer is said in a few words ("cannot reach ... (S3): connection
// refused"), never as the SDK's whole chain.
func evidenceOf(err error) string {
	status, code, id := diagnose.HTTPStatus(err), diagnose.ErrorCode(err), diagnose.RequestID(err)
	said := diagnose.StatusText(status, code)
	if said == "" {
		said = withoutOperation(err)
	}
	parts := []string{said}
	if id != "" {
		parts = append(parts, "request id "+id)
	}
	return strings.Join(parts, ", ")
}

// withoutOperation is diagnose.Describe without its leading "Op: ".
func withoutOperation(err error) string {
	s := diagnose.Describe(err)
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		s = strings.TrimPrefix(s, oe.OperationName+": ")
	}
	return s
}

// baseCode drops S3's "KMS." prefix so relayed and direct KMS errors compare
// equal.
func baseCode(err error) string { return strings.TrimPrefix(diagnose.ErrorCode(err), "KMS.") }

// notFound reports a "there is no such thing" answer for the resource a call
// was about (codes from the S3 and KMS API references).
func isCode(err error, codes ...string) bool {
	c := diagnose.ErrorCode(err)
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// headerRegion is S3's x-amz-bucket-region, sent with redirects, region
// errors and (on AWS) 403s of HeadBucket.
func headerRegion(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}
