// Package s3url parses the s3://BUCKET/KEY targets the CLI takes.
package s3url

import (
	"fmt"
	"strings"
)

// URL is a parsed s3://BUCKET/KEY.
type URL struct {
	Bucket string
	Key    string // may be empty (a bucket or prefix target)
}

func (u URL) String() string { return "s3://" + u.Bucket + "/" + u.Key }

// Parse accepts s3://BUCKET and s3://BUCKET/KEY. Errors say what is wrong
// and what a valid target looks like.
func Parse(s string) (URL, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return URL{}, fmt.Errorf("%q is not an S3 URL: write it as s3://BUCKET/KEY", s)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if err := validBucket(bucket); err != nil {
		return URL{}, fmt.Errorf("%q: %v", s, err)
	}
	if len(key) > 1024 {
		return URL{}, fmt.Errorf("%q: object key is %d bytes; S3 allows at most 1024", s, len(key))
	}
	if strings.ContainsRune(key, 0) {
		return URL{}, fmt.Errorf("%q: object key contains a NUL byte", s)
	}
	return URL{Bucket: bucket, Key: key}, nil
}

// ParseObject is Parse for targets that must name an object. A key ending in
// "/" is completed with base (the source's file name), as `aws s3 cp` does.
func ParseObject(s, base string) (URL, error) {
	u, err := Parse(s)
	if err != nil {
		return URL{}, err
	}
	if u.Key == "" || strings.HasSuffix(u.Key, "/") {
		if base == "" {
			return URL{}, fmt.Errorf("%q names no object key: write it as s3://BUCKET/KEY", s)
		}
		u.Key += base
	}
	return u, nil
}

// validBucket checks the rules S3 enforces for bucket names, loosely enough
// for S3-compatible servers (which allow upper case and underscores).
func validBucket(b string) error {
	if b == "" {
		return fmt.Errorf("no bucket name: write it as s3://BUCKET/KEY")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	}
	for _, r := range b {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		default:
			return fmt.Errorf("bucket name %q contains %q: only letters, digits, '-', '.' and '_' are allowed", b, r)
		}
	}
	return nil
}
