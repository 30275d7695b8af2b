package teststack

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// motoPath and motoQuery against what moto 5.2.1 computes (werkzeug 3.1,
// botocore 1.43), taken from a Python run of the same pipeline:
// werkzeug's dev server decoding, request.url, urlparse, botocore's
// S3SigV4Auth.canonical_request.
func TestMotoCanonical(t *testing.T) {
	for _, c := range []struct{ rawPath, rawQuery, path, query string }{
		{"/b/a%20b", "", "/b/a%20b", ""},
		{"/b/%C3%A9t%C3%A9", "", "/b/été", ""},
		{"/b/a%2Bb", "", "/b/a+b", ""},
		{"/b/a%27b%22c", "", "/b/a'b\"c", ""},
		{"/b/50%25off", "", "/b/50%off", ""},
		{"/b/%2541", "", "/b/A", ""},
		{"/b/x%3Bq%3Dr/y%3Bz", "", "/b/x;q=r/y", ""},
		{"/b/a%3Fb%23c", "", "/b/a%3Fb%23c", ""},
		{"/b/%21%24%26%28%29%2A%2C%3A%40%3D", "", "/b/!$&()*,:@=", ""},
		{"/b/%E2%82%AC%F0%9F%98%80", "", "/b/€😀", ""},
		{"/b", "list-type=2&prefix=resume%2F&delimiter=%2F", "/b", "delimiter=/&list-type=2&prefix=resume/"},
		{"/b", "uploads=&prefix=a%20b%2Bc%C3%A9%27%22&max-uploads=10", "/b", "max-uploads=10&prefix=a%20b%2Bcé'\"&uploads="},
		{"/b/k", "uploadId=abc%2Bdef%3D%3D&partNumber=1", "/b/k", "partNumber=1&uploadId=abc%2Bdef%3D%3D"},
		{"/b", "prefix=%25&x=%26%3D%23", "/b", "prefix=%25&x=%26%3D%23"},
		{"/b/%7E~_.-", "", "/b/~~_.-", ""},
		{"/b/a%5Bb%5D%7B%7D%5C%5E%60%7C%3C%3E", "", "/b/a[b]{}\\^`|<>", ""},
		{"/b/%FF%FE", "", "/b/��", ""},
	} {
		r, err := http.NewRequest("GET", "http://h:1"+c.rawPath+"?"+c.rawQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := motoPath(r.URL.Path); got != c.path {
			t.Errorf("motoPath(%q) = %q, want %q", c.rawPath, got, c.path)
		}
		if got := motoQuery(r.URL.RawQuery); got != c.query {
			t.Errorf("motoQuery(%q) = %q, want %q", c.rawQuery, got, c.query)
		}
	}
}

// The gate's S3 canonical request agrees with the Go SDK's signer on keys
// and queries that need escaping, and a changed byte breaks it.
func TestCheckSigV4MatchesSDK(t *testing.T) {
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret/with+chars"}
	for _, target := range []string{
		"/bucket/a%20b%2Bc%25d%27e%22f%C3%A9",
		"/bucket/dir/sub/key~_.-",
		"/bucket?list-type=2&prefix=resume%2F&delimiter=%2F",
		"/bucket?uploads=&prefix=a%20b",
		"/bucket/k?partNumber=3&uploadId=abc%2Bdef%3D%3D",
	} {
		r, _ := http.NewRequest("PUT", "http://127.0.0.1:9000"+target, bytes.NewReader([]byte("hello")))
		ph := hexSHA256("hello")
		r.Header.Set("X-Amz-Content-Sha256", ph)
		r.Header.Set("X-Amz-Meta-Note", "  two   spaces ")
		if err := signer.SignHTTP(context.Background(), creds, r, ph, "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		a, ok := parseSigV4Auth(r.Header.Get("Authorization"))
		if !ok {
			t.Fatalf("%s: unparsable %q", target, r.Header.Get("Authorization"))
		}
		// As the gate's server sees it: Host moved out of the header map.
		r.Host = r.URL.Host
		if c := checkSigV4(r, a, creds.SecretAccessKey); c.expected != a.signature {
			t.Errorf("%s: gate computes %s, SDK signed %s; canonical:\n%s", target, c.expected, a.signature, c.canonical)
		}
		r.Header.Set("X-Amz-Meta-Note", "changed")
		if c := checkSigV4(r, a, creds.SecretAccessKey); c.expected == a.signature {
			t.Errorf("%s: a changed signed header still verifies", target)
		}
		if c := checkSigV4(r, a, "other"); c.expected == a.signature {
			t.Errorf("%s: another secret verifies", target)
		}
	}
	if got := withSignature("AWS4-HMAC-SHA256 Credential=a/b/c/s3/aws4_request, SignedHeaders=host, Signature=abc", "def"); !strings.HasSuffix(got, "Signature=def") {
		t.Errorf("withSignature: %q", got)
	}
}
