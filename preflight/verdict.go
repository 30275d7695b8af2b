package preflight

import (
	"github.com/uploader-dev/uploader/internal/diagnose"
)

// proved reports whether a check showed the planned requests will be
// allowed, which a PASS or WARN needs; SKIPs alone prove nothing.
//
//   - The canary proves everything: S3 took the upload's own requests and
//     made its KMS calls as the requester.
//   - For an SSE-KMS plan the direct round trip proves the KMS
//     permissions (for a single request, kms:GenerateDataKey is all it
//     needs); s3:PutObject then stays unproved, as with --no-canary.
//   - A plan without SSE-KMS makes no KMS requests: there is nothing for a
//     round trip to prove, and only the canary can prove s3:PutObject.
//     With the canary turned off, HeadBucket answering (the endpoint, the
//     credentials and the bucket) is all a preflight that writes nothing
//     can show, and it is taken as enough.
//   - Nothing is proved while the S3 endpoint cannot be reached: the
//     upload's own requests could not be sent either.
func (r *run) proved() bool {
	switch {
	case r.down["S3"] != nil:
		return false
	case r.cn.outcome == cnOK:
		return true
	case r.sseUnknown:
		return false // whether S3 will call KMS is not even known
	case r.kms:
		return r.rt.outcome == rtOK || r.rt.outcome == rtDecryptDenied && !r.o.Plan.Multipart
	default:
		return !r.o.Canary && r.bucketOK
	}
}

// inconclusive is the one-line reason nothing was proved, and its code
// when a diagnosis names it.
func (r *run) inconclusive() (string, diagnose.Code) {
	for _, svc := range []string{"S3", "KMS", "STS"} {
		if d := r.down[svc]; d != nil {
			return netLine(d), d.Code
		}
	}
	switch {
	case r.cn.outcome == cnError:
		return "the canary could not complete (" + evidenceOf(r.cn.err) + ")", codeOf(r.cn.err)
	case r.kms && r.rt.outcome == rtError:
		return "the KMS round trip could not complete (" + evidenceOf(r.rt.err) + ") and the canary did not run", codeOf(r.rt.err)
	case r.sseUnknown:
		return "the bucket's default encryption could not be read and the canary did not run: whether S3 will call KMS, and with which key, is unknown", ""
	case r.kms:
		return "neither the KMS round trip nor the canary ran (see their rows)", ""
	case !r.o.Canary:
		return "the canary is turned off and HeadBucket did not reach the bucket (see bucket): nothing shows the upload would be allowed", ""
	}
	return "the canary did not run (see canary)", ""
}

// netLine is a no-answer diagnosis without its operation: "cannot reach
// http://127.0.0.1:1 (S3): connection refused".
func netLine(d *diagnose.Diagnosis) string {
	s := diagnose.Describe(d.Err)
	if d.Operation != "" {
		if i := len(d.Operation) + 2; len(s) > i && s[:i] == d.Operation+": " {
			s = s[i:]
		}
	}
	return s
}

func codeOf(err error) diagnose.Code {
	if d := diagnose.Classify(err, diagnose.Context{}); d != nil {
		return d.Code
	}
	return ""
}
