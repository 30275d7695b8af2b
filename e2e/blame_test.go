package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// A permission removed mid-upload gets a bare AccessDenied on the next
// part whatever it was: the engine proves which with its own KMS round trip
// before naming one. The run and its rerun (which adopts the kept upload)
// say the same; once the permission is back, the rerun completes the kept
// upload.
func TestNoBlameWithoutProof(t *testing.T) {
	all := []string{"s3:*", "kms:*", "sts:GetCallerIdentity"}
	tests := []struct {
		name       string
		after      []string // the user's policy after the first part
		directKMS  bool     // false: the key allows use only through S3 (kms:ViaService)
		code       string
		mustSay    []string // in the stderr of every failed run
		mustNotSay []string
	}{
		{"s3:PutObject removed, KMS untouched", []string{"s3:Get*", "s3:List*", "s3:AbortMultipartUpload", "kms:*", "sts:GetCallerIdentity"}, true,
			"s3_access_denied", []string{"s3:PutObject", "not what S3 refused"}, []string{"missing kms:Decrypt"}},
		{"kms:Decrypt removed", []string{"s3:*", "kms:GenerateDataKey", "kms:DescribeKey", "sts:GetCallerIdentity"}, true,
			"missing_kms_decrypt", []string{"kms:Decrypt", "which proves it"}, nil},
		{"kms:Decrypt removed, key usable only through S3", []string{"s3:*", "kms:GenerateDataKey", "kms:DescribeKey", "sts:GetCallerIdentity"}, false,
			"kms_decrypt_or_s3_denied", []string{"Most likely", "kms:ViaService", "s3:PutObject"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			user, err := stack.NewUser(ctx, fmt.Sprintf("blame-%d", time.Now().UnixNano()), teststack.Policy(all...))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.directKMS {
				stack.SetDenyDirectKMS(user.Name)
				defer stack.SetDenyDirectKMS()
			}
			src, sum := makeFile(t, 20*size.MiB)
			key := uniqueKey(t, "obj")
			j := journey{user: user, code: tt.code, maxDenied: 1,
				args: []string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN,
					"--no-preflight", "--json", "--concurrency", "1", "--part-size", "5MiB"}}
			says := func(run int, stderr string) {
				t.Helper()
				for _, s := range tt.mustSay {
					if !strings.Contains(stderr, s) {
						t.Errorf("run %d: stderr does not say %q:\n%s", run, s, stderr)
					}
				}
				for _, s := range tt.mustNotSay {
					if strings.Contains(stderr, s) {
						t.Errorf("run %d: stderr says %q:\n%s", run, s, stderr)
					}
				}
			}

			stack.ResetCounts()
			stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
			run := startCLI(t, user, j.args...)
			waitFor(t, time.Minute, "the first part to be acknowledged", func() bool {
				return stack.Counts().Status(user.Name, "UploadPart", 200) >= 1
			})
			if err := stack.SetUserPolicy(ctx, user, teststack.Policy(tt.after...)); err != nil {
				t.Fatal(err)
			}
			r := run.wait(t)
			stack.SetFaults(teststack.Faults{})
			if r.Code != 3 {
				t.Fatalf("run 1: exit %d, want 3: %s", r.Code, r)
			}
			res := resultLine(t, r)
			if d := diagnosisOf(t, res); d["code"] != tt.code {
				t.Fatalf("run 1: diagnosis %v, want %s\n%s", d["code"], tt.code, r.Stderr)
			}
			says(1, r.Stderr)
			first, _ := res["upload_id"].(string)

			again, r2 := j.failRun(t, 2)
			if again != first {
				t.Fatalf("the rerun used upload %s, not the kept %s", again, first)
			}
			// The rerun says the same thing: the words every failed run
			// must say, the same one-line diagnosis on stderr, and the
			// same diagnosis (code, operation, part, remedy) in its result.
			says(2, r2.Stderr)
			// The first line saying "uploader: " is the diagnosis (it
			// begins with it: the operation, the cause and the code).
			if l1, l2 := lineWith(r.Stderr, "uploader: "), lineWith(r2.Stderr, "uploader: "); !strings.HasPrefix(l1, "uploader: ") || l2 != l1 {
				t.Errorf("run 2 says %q, run 1 said %q", l2, l1)
			}
			d1, d2 := diagnosisOf(t, res), diagnosisOf(t, resultLine(t, r2))
			for _, f := range []string{"code", "operation", "part", "parts", "principal", "key", "upload_id", "remedy"} {
				if fmt.Sprint(d2[f]) != fmt.Sprint(d1[f]) {
					t.Errorf("run 2: diagnosis %s %v, run 1 said %v", f, d2[f], d1[f])
				}
			}
			if err := stack.SetUserPolicy(ctx, user, teststack.Policy(all...)); err != nil {
				t.Fatal(err)
			}
			stack.SetDenyDirectKMS()
			j.succeed(t, first, key, sum)
		})
	}
}
