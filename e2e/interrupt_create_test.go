package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// A Ctrl-C (or two) while S3 answers the upload's CreateMultipartUpload:
// S3 has made the upload, so the run waits for its id and then keeps it
// journaled (a file: the same command resumes it) or aborts it (stdin:
// nothing can resume it). Before, a second Ctrl-C dropped the answer and
// left an upload no journal named and nothing would ever abort.
func TestInterruptWhileCreateAnswers(t *testing.T) {
	cases := []struct {
		name    string
		stdin   bool
		signals int
	}{
		{"file, one SIGINT", false, 1},
		{"file, two SIGINTs", false, 2},
		{"stdin, one SIGINT", true, 1},
		{"stdin, two SIGINTs", true, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, sum := makeFile(t, 20*size.MiB)
			key := uniqueKey(t, "obj.bin")
			cleanupKey(t, key)
			from := src
			if tc.stdin {
				from = "-"
			}
			args := []string{"cp", from, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json", "--no-preflight"}
			start := func() *runningCLI {
				if !tc.stdin {
					return startCLI(t, stack.Full, args...)
				}
				f, err := os.Open(src)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
				return startCLIStdin(t, stack.Full, f, args...)
			}

			stack.SetFaults(teststack.Faults{HoldCreate: 2 * time.Second})
			defer stack.SetFaults(teststack.Faults{})
			stack.ResetCounts()
			run := start()
			waitFor(t, time.Minute, "the upload S3 made", func() bool { return len(uploadsFor(t, key)) > 0 })
			for i := range tc.signals {
				if i > 0 {
					time.Sleep(100 * time.Millisecond)
				}
				if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			}
			r := run.wait(t)
			stack.SetFaults(teststack.Faults{})
			if r.Code != 130 {
				t.Fatalf("exit %d, want 130: %s", r.Code, r)
			}
			// Parts cannot start before the create's answer, and the first
			// signal stops any new part: a part sent means the signal landed
			// after the gate let the answer go, and the run went through the
			// ordinary mid-part path instead of the one this test is about.
			if n := stack.Counts().Requests(stack.Full.Name, "UploadPart"); n != 0 {
				t.Fatalf("%d UploadPart requests sent: the SIGINT did not land while the gate held the create's answer: %s", n, r)
			}
			res := resultLine(t, r)
			left := uploadsFor(t, key)
			if tc.stdin {
				if len(left) != 0 {
					t.Fatalf("stdin cannot be resumed, yet uploads %v are left: %s", left, r)
				}
			} else if id, _ := res["upload_id"].(string); len(left) != 1 || left[0] != id || !strings.Contains(r.Stderr, "was kept") {
				t.Fatalf("uploads %v left, want only the kept one the result names (%q): %s", left, id, r)
			}

			rerun := runCLI
			if tc.stdin {
				rerun = func(t *testing.T, u teststack.User, args ...string) cliResult {
					return start().wait(t)
				}
			}
			r2 := rerun(t, stack.Full, args...)
			if r2.Code != 0 {
				t.Fatalf("the same command again: exit %d: %s", r2.Code, r2)
			}
			if !tc.stdin && !strings.Contains(r2.Stderr, "resuming upload "+left[0]) {
				t.Errorf("the rerun did not resume the kept upload %s: %s", left[0], r2.Stderr)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Errorf("object sha256 %s, want %s", got, sum)
			}
			noUploadFor(t, key)
		})
	}
}
