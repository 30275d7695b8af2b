package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// The preflight's words as a user reads them: one code per row, counts in
// the singular when there is one, a status without an error code said as
// such, and no memory line for a file there is none of.
func TestPreflightWording(t *testing.T) {
	t.Run("no credentials: credentials_missing once", func(t *testing.T) {
		none := filepath.Join(t.TempDir(), "none")
		r := runCLIEnv(t, stack.Full, []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
			"AWS_CONFIG_FILE=" + none, "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_EC2_METADATA_DISABLED=true"},
			"preflight", target("words/none"), "--sse", "aws:kms")
		if r.Code != 3 {
			t.Fatalf("want exit 3: %s", r)
		}
		if n := strings.Count(r.Stdout, "[credentials_missing]"); n != 1 {
			t.Errorf("[credentials_missing] %d times, want once:\n%s", n, r.Stdout)
		}
		if !strings.Contains(r.Stdout, "(1 request") || strings.Contains(r.Stdout, "1 requests") {
			t.Errorf("want the singular, (1 request:\n%s", r.Stdout)
		}
	})
	t.Run("no source, no kms:Decrypt", func(t *testing.T) {
		r := runCLI(t, stack.NoDecrypt, "preflight", target("words/nodecrypt"), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN)
		if r.Code != 3 {
			t.Fatalf("want exit 3: %s", r)
		}
		source := rowOf(r.Stdout, "source")
		if source == "" {
			t.Fatalf("no source row in the report:\n%s", r.Stdout)
		}
		for _, bad := range []string{"size unknown", "parts read in place"} {
			if strings.Contains(source, bad) {
				t.Errorf("%q in the source row: %s", bad, source)
			}
		}
		if strings.Contains(r.Stdout, "body not decodable") {
			t.Errorf("body not decodable in the report:\n%s", r.Stdout)
		}
		// moto answers a denied KMS call with a body the SDK cannot read.
		for _, want := range []string{"no source file or size given: planned as a multipart upload (parts of 16 MiB)", "HTTP 403 Forbidden, no error code"} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("%q not in the report:\n%s", want, r.Stdout)
			}
		}
	})
	t.Run("argument counts", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string // the count, said in good English
		}{
			{[]string{"cp", "onlyone"}, "got 1 argument:"},
			{[]string{"preflight"}, "got 0 arguments:"},
			{[]string{"preflight", "s3://b/k", "extra"}, "got 2 arguments:"},
		} {
			r := runCLI(t, stack.Full, tc.args...)
			if r.Code != 2 || strings.Contains(r.Stderr, "1 arguments") || !strings.Contains(r.Stderr, tc.want) {
				t.Errorf("%v: %s, want exit 2 saying %q", tc.args, r, tc.want)
			}
		}
	})
}

// rowOf is the report's row of one check.
func rowOf(report, check string) string {
	for _, l := range strings.Split(report, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[1] == check {
			return l
		}
	}
	return ""
}
