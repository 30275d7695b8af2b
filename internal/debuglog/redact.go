package debuglog

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

const redacted = "REDACTED"

// secretHeaderWords: a header whose name contains one of these carries a
// secret (X-Amz-Security-Token, Cookie, x-amz-sso_bearer_token, ...).
var secretHeaderWords = []string{"token", "secret", "password", "cookie", "credential", "session"}

// accessKeyRE matches AWS access key ids (long-term AKIA, temporary ASIA)
// anywhere in a value; the first four characters stay to tell the kinds
// apart.
var accessKeyRE = regexp.MustCompile(`\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{12,}\b`)

// signatureRE finds Signature=... in a SigV4 Authorization header.
var signatureRE = regexp.MustCompile(`(Signature=)[0-9a-fA-F]+`)

func redactHeader(name, value string) string {
	n := strings.ToLower(name)
	switch {
	case n == "authorization" || n == "proxy-authorization":
		return redactAuthorization(value)
	case strings.HasPrefix(n, "x-amz-server-side-encryption-customer-key"),
		strings.HasPrefix(n, "x-amz-copy-source-server-side-encryption-customer-key"):
		return redacted // SSE-C key and its MD5
	}
	for _, w := range secretHeaderWords {
		if strings.Contains(n, w) {
			return redacted
		}
	}
	return redactValue(value)
}

// redactAuthorization keeps what helps debugging (scheme, credential scope,
// signed headers) and drops the signature and the access key id's tail.
func redactAuthorization(v string) string {
	if !strings.HasPrefix(v, "AWS4-") {
		// Bearer, Basic, ...: keep only the scheme.
		if i := strings.IndexByte(v, ' '); i > 0 {
			return v[:i] + " " + redacted
		}
		return redacted
	}
	v = signatureRE.ReplaceAllString(v, "${1}"+redacted)
	return redactValue(v)
}

// redactValue masks access key ids in any value.
func redactValue(v string) string {
	return accessKeyRE.ReplaceAllStringFunc(v, func(k string) string { return k[:4] + "-" + redacted })
}

// secretQuery are presigned-URL parameters that are credentials.
var secretQuery = map[string]bool{
	"x-amz-signature": true, "x-amz-security-token": true, "x-amz-credential": true,
	"signature": true, "awsaccesskeyid": true,
}

func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q, changed := c.Query(), false
		for k := range q {
			if secretQuery[strings.ToLower(k)] {
				q[k], changed = []string{redacted}, true
			}
		}
		if changed { // re-encoding reorders, so only when needed
			c.RawQuery = q.Encode()
		}
	}
	return redactValue(c.String())
}

// redactError renders a transport error: a *url.Error quotes the request's
// URL, whose query may carry a presigned signature.
func redactError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			c := *ue
			c.URL = redactURL(u)
			return redactValue(strings.Replace(err.Error(), ue.Error(), c.Error(), 1))
		}
	}
	return redactValue(err.Error())
}
