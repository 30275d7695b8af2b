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
