package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// A journey is what a user lives through with a diagnosis that can happen
// mid-upload: the upload fails; the same command, run again, says the same
// thing (the kept upload is adopted, and an adopted upload counts as
// created); the cause is fixed; the next run resumes the kept upload and
// stores the exact object.
type journey struct {
	user teststack.User
	args []string
	code string // the diagnosis every failed run must give
	exit int    // its exit code; 0 means 3 (a permanent cause)
	// maxDenied bounds the denied UploadPart requests of one failed run.
	maxDenied int
}

// fail runs the command, expects the exit code with the diagnosis, and
// returns the kept upload's id.
func (j journey) fail(t *testing.T, run int) string {
	t.Helper()
	id, _ := j.failRun(t, run)
	return id
}

// failRun is fail that also returns the run itself, so that a caller can
// check that the run says the same words as the one before.
func (j journey) failRun(t *testing.T, run int) (string, cliResult) {
	t.Helper()
	stack.ResetCounts()
	r := runCLI(t, j.user, j.args...)
	want := j.exit
	if want == 0 {
		want = 3
	}
	if r.Code != want {
		t.Fatalf("run %d: exit %d, want %d: %s", run, r.Code, want, r)
	}
	res := resultLine(t, r)
	d := diagnosisOf(t, res)
	if d["code"] != j.code {
		t.Fatalf("run %d: diagnosis %v, want %s\n%s", run, d["code"], j.code, r.Stderr)
	}
	if denied := stack.Counts().Status(j.user.Name, "UploadPart", 403) + stack.Counts().Status(j.user.Name, "UploadPart", 400); j.maxDenied > 0 && denied > j.maxDenied {
		t.Errorf("run %d: %d refused UploadPart requests, want at most %d (--concurrency): parts were retried or started after the stop", run, denied, j.maxDenied)
	}
	id, _ := res["upload_id"].(string)
	if id == "" {
		id, _ = d["upload_id"].(string)
	}
	if id == "" {
		t.Fatalf("run %d: no upload id in the result: %v", run, res)
	}
	return id, r
}

// succeed runs the command after the fix and checks it resumed uploadID
// and stored the source exactly.
func (j journey) succeed(t *testing.T, uploadID, key, sum string) map[string]any {
	t.Helper()
	r := runCLI(t, j.user, j.args...)
	if r.Code != 0 {
		t.Fatalf("after the fix: exit %d, want 0: %s", r.Code, r)
	}
	res := resultLine(t, r)
	if res["upload_id"] != uploadID {
		t.Errorf("after the fix: upload %v completed, want the kept %s resumed", res["upload_id"], uploadID)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatal("after the fix: the stored object differs from the source")
	}
	return res
}

// Without kms:Decrypt, against a server that answers the denial without
// reading the body and resets the connection: every run is
// missing_kms_decrypt, with at most --concurrency denied parts; once
// kms:Decrypt is granted, the kept upload completes.
func TestJourneyMissingDecrypt(t *testing.T) {
	ctx := context.Background()
	noDecrypt := []string{"s3:*", "sts:GetCallerIdentity", "kms:GenerateDataKey", "kms:DescribeKey"}
	user, err := stack.NewUser(ctx, fmt.Sprintf("journey-decrypt-%d", time.Now().UnixNano()), teststack.Policy(noDecrypt...))
	if err != nil {
		t.Fatal(err)
	}
	src, sum := makeFile(t, 40*size.MiB)
	key := uniqueKey(t, "obj")
	stack.SetFaults(teststack.Faults{DenyAbruptly: true})
	defer stack.SetFaults(teststack.Faults{})
	j := journey{user: user, code: "missing_kms_decrypt", maxDenied: 4,
		args: []string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN,
			"--no-preflight", "--json", "--concurrency", "4", "--part-size", "8MiB"}}
	first := j.fail(t, 1)
	if again := j.fail(t, 2); again != first {
		t.Fatalf("the rerun used upload %s, not the kept %s", again, first)
	}
	if err := stack.SetUserPolicy(ctx, user, teststack.Policy(append(noDecrypt, "kms:Decrypt")...)); err != nil {
		t.Fatal(err)
	}
	j.succeed(t, first, key, sum)
}

// The key becomes unusable after the first part (disabled, or scheduled
// for deletion): every run gives the key state's code; once the key is
// usable again, the kept upload resumes without sending the acknowledged
// part again.
func TestJourneyKeyState(t *testing.T) {
	tests := []struct {
		code    string
		disable func(ctx context.Context, key string) error
		fix     func(ctx context.Context, key string) error
	}{
		{"kms_key_disabled", stack.DisableKey, stack.EnableKey},
		{"kms_key_pending_deletion", stack.ScheduleKeyDeletion, func(ctx context.Context, key string) error {
			if err := stack.CancelKeyDeletion(ctx, key); err != nil {
				return err
			}
			return stack.EnableKey(ctx, key)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			ctx := context.Background()
			kmsKey, err := stack.NewKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			src, sum := makeFile(t, 20*size.MiB)
			key := uniqueKey(t, "obj")
			j := journey{user: stack.Full, code: tt.code, maxDenied: 1,
				args: []string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", kmsKey,
					"--no-preflight", "--json", "--concurrency", "1", "--part-size", "5MiB"}}

			stack.ResetCounts()
			stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
			run := startCLI(t, j.user, j.args...)
			waitFor(t, time.Minute, "the first part to be acknowledged", func() bool {
				return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 1
			})
			if err := tt.disable(ctx, kmsKey); err != nil {
				t.Fatal(err)
			}
			r := run.wait(t)
			stack.SetFaults(teststack.Faults{})
			if r.Code != 3 {
				t.Fatalf("run 1: exit %d, want 3: %s", r.Code, r)
			}
			res := resultLine(t, r)
			if d := diagnosisOf(t, res); d["code"] != j.code {
				t.Fatalf("run 1: diagnosis %v, want %s", d["code"], j.code)
			}
			first, _ := res["upload_id"].(string)
			if again := j.fail(t, 2); first != "" && again != first {
				t.Fatalf("the rerun used upload %s, not the kept %s", again, first)
			}
			if err := tt.fix(ctx, kmsKey); err != nil {
				t.Fatal(err)
			}
			stack.ResetCounts()
			done := j.succeed(t, first, key, sum)
			if resumed, _ := done["resumed_bytes"].(float64); resumed < float64(5*size.MiB) {
				t.Errorf("resumed %v bytes, want at least the first part", done["resumed_bytes"])
			}
			if sent := stack.Counts().Status(stack.Full.Name, "UploadPart", 200); sent > 3 {
				t.Errorf("%d parts sent after the fix, want at most 3 of 4: acknowledged parts were sent again", sent)
			}
		})
	}
}

// KMS throttles S3's Decrypt of every part past the retries: kms_throttled,
// exit 4 (a transient cause), the upload kept; the rerun says the same on
// the kept upload; once KMS answers again, the rerun completes it.
func TestJourneyKMSThrottled(t *testing.T) {
	src, sum := makeFile(t, 12*size.MiB)
	key := uniqueKey(t, "obj")
	j := journey{user: stack.Full, code: "kms_throttled", exit: 4,
		args: []string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN,
			"--no-preflight", "--json", "--part-size", "5MiB", "--retries", "1"}}
	stack.SetFaults(teststack.Faults{KMSThrottleRate: 1, Seed: 1})
	defer stack.SetFaults(teststack.Faults{})
	first := j.fail(t, 1)
	if again := j.fail(t, 2); again != first {
		t.Fatalf("the rerun used upload %s, not the kept %s", again, first)
	}
	stack.SetFaults(teststack.Faults{})
	j.succeed(t, first, key, sum)
}
