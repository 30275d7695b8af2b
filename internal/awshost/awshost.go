// Package awshost tells AWS's own endpoints from others (S3-compatible
// servers, emulators, proxies), whose answers the diagnosis words
// differently: it cannot know what such a server checks.
package awshost

import (
	"net/url"
	"strings"
)

// Is reports whether endpoint (scheme://host[:port]) is one of AWS's own:
// a host under amazonaws.com, amazonaws.com.cn or api.aws. An endpoint
// that does not parse is taken as AWS's (the SDK's default endpoints do).
func Is(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return true
	}
	h := strings.ToLower(u.Hostname())
	for _, d := range []string{"amazonaws.com", "amazonaws.com.cn", "api.aws"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// SignatureRefused reports an error code that says the request's
// signature did not verify.
func SignatureRefused(errorCode string) bool {
	switch errorCode {
	case "SignatureDoesNotMatch", "IncompleteSignature", "IncompleteSignatureException", "InvalidSignatureException":
		return true
	}
	return false
}

// ForeignSignature reports a refused signature from an endpoint that is
// not AWS's: there a wrong secret is one cause among others (a server or
// proxy that canonicalizes the request differently), which the diagnosis
// says.
func ForeignSignature(endpoint, errorCode string) bool {
	return SignatureRefused(errorCode) && endpoint != "" && !Is(endpoint)
}
