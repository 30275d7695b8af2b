package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// Ctrl-C during cp's preflight: exit 130, nothing uploaded or left behind,
// and with --json the last line is still the result (status interrupted),
// as the contract says of every run. The same command again uploads.
func TestJSONResultLastWhenInterruptedInPreflight(t *testing.T) {
	cases := []struct {
		name   string
		faults teststack.Faults
		// ready says the preflight is at the moment the signal must hit.
		ready func(key string) bool
	}{
		{
			// The canary's 1-byte part waits in the gate: once the canary's
			// CreateMultipartUpload is answered (the gate counts a request
			// when it has answered it), the preflight is under way for 3 s.
			name:   "canary part in flight",
			faults: teststack.Faults{Delay: 3 * time.Second},
			ready: func(string) bool {
				return stack.Counts().Requests(stack.Full.Name, "CreateMultipartUpload") >= 1
			},
		},
		{
			// S3 made the canary's upload and its answer is on the way: a
			// client that drops the answer cannot abort the upload (CI
			// found one left behind this way).
			name:   "canary create answering",
			faults: teststack.Faults{HoldCreate: 2 * time.Second},
			ready: func(key string) bool {
				for _, up := range listUploads(t) {
					if strings.HasPrefix(aws.ToString(up.Key), key+".uploader-preflight-") {
						return true
					}
				}
				return false
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, sum := makeFile(t, 20*size.MiB)
			key := uniqueKey(t, "obj.bin")
			// A regression would leave KEY.uploader-preflight-* behind, and
			// the later preflight tests, which look for '.uploader-preflight-'
			// in the whole bucket, would fail too: abort whatever starts
			// with the key once this test has judged it (noUploadsLeft runs
			// in the body, before this).
			t.Cleanup(func() { abortUploadsUnder(t, key) })
			args := []string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json"}
			stack.ResetCounts()
			stack.SetFaults(tc.faults)
			defer stack.SetFaults(teststack.Faults{})
			run := startCLI(t, stack.Full, args...)
			waitFor(t, time.Minute, "the preflight's canary", func() bool { return tc.ready(key) })
			if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			r := run.wait(t)
			if r.Code != 130 {
				t.Fatalf("exit %d, want 130: %s", r.Code, r)
			}
			if res := resultLine(t, r); res["status"] != "interrupted" {
				t.Fatalf("result %v, want status interrupted", res)
			}
			if objectExists(t, key) {
				t.Fatal("an object was stored")
			}
			noUploadsLeft(t, key)

			stack.SetFaults(teststack.Faults{})
			r = runCLI(t, stack.Full, args...)
			if r.Code != 0 {
				t.Fatalf("the same command again: exit %d: %s", r.Code, r)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Errorf("object sha256 %s, want %s", got, sum)
			}
			noUploadsLeft(t, key)
		})
	}
}

// abortUploadsUnder aborts every unfinished upload whose key starts with
// prefix: a cleanup, so one test's leftovers fail only that test.
func abortUploadsUnder(t *testing.T, prefix string) {
	t.Helper()
	c := adminS3(t)
	for _, up := range listUploads(t) {
		if !strings.HasPrefix(aws.ToString(up.Key), prefix) {
			continue
		}
		if _, err := c.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: up.Key, UploadId: up.UploadId}); err != nil {
			t.Errorf("cleanup: aborting %s (%s): %v", aws.ToString(up.Key), aws.ToString(up.UploadId), err)
		}
	}
}
