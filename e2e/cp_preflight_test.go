package e2e

import (
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// cp runs the preflight first: a FAIL stops it with exit 3 before any data
// moves (only the canary's 1 byte goes out), a PASS lets it upload.
func TestCpRunsPreflight(t *testing.T) {
	src, sum := makeFile(t, 20*size.MiB)
	tests := []struct {
		name     string
		user     string
		wantCode int
		wantDiag string
	}{
		{"full user uploads", "full", 0, ""},
		{"no kms:Decrypt stops before data", "nodecrypt", 3, "missing_kms_decrypt"},
		{"no kms:GenerateDataKey stops before data", "nogdk", 3, "missing_kms_generate_data_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := map[string]teststack.User{"full": stack.Full, "nodecrypt": stack.NoDecrypt, "nogdk": stack.NoGenerateDataKey}[tt.user]
			key := uniqueKey(t, "obj")
			stack.ResetCounts()
			r := runCLI(t, user, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json")
			if r.Code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", r.Code, tt.wantCode, r)
			}
			if !strings.Contains(r.Stdout, `"event":"preflight"`) {
				t.Fatalf("no preflight event in --json output:\n%s", r.Stdout)
			}
			res := resultLine(t, r)
			if tt.wantCode == 0 {
				if got, _ := objectSHA256(t, key); got != sum {
					t.Fatal("stored object differs from the source")
				}
				return
			}
			if d := diagnosisOf(t, res); d["code"] != tt.wantDiag {
				t.Fatalf("diagnosis code %v, want %s", d["code"], tt.wantDiag)
			}
			if n := stack.Counts().BodyBytes["UploadPart"]; n > 1 {
				t.Fatalf("%d bytes of parts were sent after a preflight FAIL", n)
			}
			if objectExists(t, key) {
				t.Fatal("an object was stored after a preflight FAIL")
			}
			noUploadsLeft(t, key)
		})
	}
}

// The no-Decrypt user with a small file: the preflight warns about
// kms:Decrypt and the single-request upload goes on.
func TestCpPreflightWarnsSmallFile(t *testing.T) {
	src, _ := makeFile(t, 100*size.KiB)
	r := runCLI(t, stack.NoDecrypt, "cp", src, target(uniqueKey(t, "obj")), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN)
	if r.Code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "WARN") || !strings.Contains(r.Stderr, "kms:Decrypt") {
		t.Fatalf("no WARN naming kms:Decrypt:\n%s", r.Stderr)
	}
}
