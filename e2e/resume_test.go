package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// Resume tests: an upload interrupted by SIGKILL, SIGINT or SIGTERM, then
// the same command again. The gate is slowed (Faults.Delay) so that the
// interruption lands mid-upload; the moment is chosen from the gate's
// counters, not from sleeps.

// e2ePartSize and e2eConcurrency are what kmsCp asks for; byte budgets are
// computed from them.
const (
	e2ePartSize    = 8 * size.MiB
	e2eConcurrency = 4
)

// 10 runs of: a 100 MiB SSE-KMS upload SIGKILLed at a random moment after
// its first part is acknowledged, then rerun without faults. Every object
// equals the source, no upload is left, and each rerun sends at most the
// bytes S3 did not have plus one part per concurrent slot (parts S3 stored
// whose answer the killed run never journaled).
func TestResumeAfterSIGKILL(t *testing.T) {
	const runs = 10
	const total = 100 * size.MiB
	src, sum := makeFile(t, total)
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill moments seeded with %d", seed)
	rng := rand.New(rand.NewPCG(seed, 5))
	parts := partCount(total)
	defer stack.SetFaults(teststack.Faults{})
	for i := range runs {
		// After k <= 8 of 13 acknowledged parts at most 4 more are in
		// flight and part 13 has not started; it cannot finish within
		// 2 x 200 ms, so the kill (k, then up to 150 ms) lands before
		// Complete.
		k := 1 + rng.IntN(8)
		jitter := time.Duration(rng.IntN(150)) * time.Millisecond
		t.Run(fmt.Sprintf("run%02d", i), func(t *testing.T) {
			key := uniqueKey(t, "obj.bin")
			cleanupKey(t, key)
			stack.ResetCounts()
			stack.SetFaults(teststack.Faults{Delay: 200 * time.Millisecond})
			run := startCLI(t, stack.Full, kmsCp(src, key)...)
			waitFor(t, time.Minute, fmt.Sprintf("%d acknowledged parts", k), func() bool {
				return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= k
			})
			time.Sleep(jitter)
			acked := stack.Counts().Status(stack.Full.Name, "UploadPart", 200)
			killHard(t, run)
			stack.SetFaults(teststack.Faults{})
			settleGate(t)

			id := oneUpload(t, key)
			had := partBytes(serverParts(t, key, id))
			missing := total - had
			stack.ResetCounts()
			r := runCLI(t, stack.Full, kmsCp(src, key)...)
			if r.Code != 0 {
				t.Fatalf("rerun: exit %d, want 0: %s", r.Code, r)
			}
			sent := stack.Counts().BodyBytes["UploadPart"]
			limit := missing + e2eConcurrency*e2ePartSize
			t.Logf("killed after %d acknowledged parts (+%s): S3 had %s of %d parts; rerun sent %s (limit %s)",
				acked, jitter, size.Format(had), parts, size.Format(sent), size.Format(limit))
			if sent > limit {
				t.Errorf("rerun sent %d bytes, more than the %d missing plus %d x %d", sent, missing, e2eConcurrency, e2ePartSize)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Errorf("object SHA-256 %s, source %s", got, sum)
			}
			noUploadFor(t, key)
			if rec := journalFor(t, key); rec != nil {
				t.Errorf("journal %s left after the upload completed", rec.Path)
			}
		})
	}
}

// The first SIGINT lets the parts in flight finish and keeps the upload:
// exit 130 with how to resume. The rerun sends exactly the parts S3 does
// not have. Two parts at a time, 8 parts: when the first two are
// acknowledged, parts 5 to 8 have not started, so the upload cannot
// complete in the grace period (if every part is in flight at the signal,
// the uploader completes and exits 0).
func TestResumeAfterSIGINT(t *testing.T) {
	const total = 64 * size.MiB
	src, sum := makeFile(t, total)
	key := uniqueKey(t, "obj.bin")
	cleanupKey(t, key)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, kmsCp(src, key, "--concurrency", "2")...)
	waitFor(t, time.Minute, "2 acknowledged parts", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 2
	})
	if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 130 {
		t.Fatalf("exit %d after SIGINT, want 130: %s", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "rerun the same command to resume") {
		t.Errorf("stderr does not say how to resume:\n%s", r.Stderr)
	}
	stack.SetFaults(teststack.Faults{})
	settleGate(t)
	id := oneUpload(t, key)
	had := serverParts(t, key, id)
	rec := journalFor(t, key)
	if rec == nil || len(rec.Parts) != len(had) {
		t.Fatalf("journal %+v after a graceful stop, want the %d parts S3 has", rec, len(had))
	}
	checkJournalFile(t, rec.Path)

	stack.ResetCounts()
	r = runCLI(t, stack.Full, kmsCp(src, key)...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d, want 0: %s", r.Code, r)
	}
	c := stack.Counts()
	want := partCount(total) - len(had)
	if got := c.Requests(stack.Full.Name, "UploadPart"); got != want {
		t.Errorf("rerun sent %d UploadPart requests, want the %d missing parts (S3 had %d of %d)", got, want, len(had), partCount(total))
	}
	if got, want := c.BodyBytes["UploadPart"], total-partBytes(had); got != want {
		t.Errorf("rerun sent %d part bytes, want the %d missing", got, want)
	}
	if c.Requests(stack.Full.Name, "CreateMultipartUpload") != 0 {
		t.Error("rerun created a new upload instead of resuming")
	}
	if !strings.Contains(r.Stderr, "resuming upload "+id) {
		t.Errorf("rerun does not say it resumes %s:\n%s", id, r.Stderr)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Errorf("object SHA-256 %s, source %s", got, sum)
	}
	noUploadFor(t, key)
}

// A second SIGINT stops at once, cancelling the parts in flight (held 4 s
// each in the gate): exit 130 well before they could finish, the upload
// and a consistent journal kept, and the rerun completes it.
func TestResumeSecondSIGINT(t *testing.T) {
	src, sum := makeFile(t, 24*size.MiB)
	key := uniqueKey(t, "obj.bin")
	cleanupKey(t, key)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 4 * time.Second})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, kmsCp(src, key)...)
	waitFor(t, time.Minute, "the upload's journal", func() bool { return journalFor(t, key) != nil })
	time.Sleep(300 * time.Millisecond) // the parts reach the gate's delay
	for range 2 {
		if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	start := time.Now()
	r := run.wait(t)
	if r.Code != 130 {
		t.Fatalf("exit %d after two SIGINTs, want 130: %s", r.Code, r)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("exit %s after the second SIGINT: the parts in flight were not cancelled", d)
	}
	stack.SetFaults(teststack.Faults{})
	settleGate(t)
	id := oneUpload(t, key)
	if rec := journalFor(t, key); rec == nil || rec.UploadID != id {
		t.Fatalf("journal %+v, want one for the kept upload %s", rec, id)
	}
	r = runCLI(t, stack.Full, kmsCp(src, key)...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d, want 0: %s", r.Code, r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Errorf("object SHA-256 %s, source %s", got, sum)
	}
	noUploadFor(t, key)
}

// SIGTERM is handled as SIGINT, with exit 143; the upload is kept. (As
// above, two at a time of 8 parts, so some have not started at the signal.)
func TestResumeSIGTERM(t *testing.T) {
	src, _ := makeFile(t, 64*size.MiB)
	key := uniqueKey(t, "obj.bin")
	cleanupKey(t, key)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, kmsCp(src, key, "--concurrency", "2")...)
	waitFor(t, time.Minute, "an acknowledged part", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 1
	})
	if err := run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 143 {
		t.Fatalf("exit %d after SIGTERM, want 143: %s", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "SIGTERM") || !strings.Contains(r.Stderr, "rerun the same command to resume") {
		t.Errorf("stderr does not name SIGTERM and say how to resume:\n%s", r.Stderr)
	}
	if objectExists(t, key) {
		t.Error("an interrupted upload was completed")
	}
	oneUpload(t, key) // kept for a rerun; cleanupKey aborts it
}

// --no-resume after a killed run: the old upload is aborted, and a new one
// sends every part and completes.
func TestResumeNoResume(t *testing.T) {
	const total = 40 * size.MiB
	src, sum := makeFile(t, total)
	key := uniqueKey(t, "obj.bin")
	cleanupKey(t, key)
	old := abandonUpload(t, src, key)

	stack.ResetCounts()
	r := runCLI(t, stack.Full, kmsCp(src, key, "--no-resume")...)
	if r.Code != 0 {
		t.Fatalf("--no-resume: exit %d, want 0: %s", r.Code, r)
	}
	for _, id := range uploadsFor(t, key) {
		if id == old {
			t.Errorf("the interrupted upload %s was not aborted", old)
		}
	}
	if !strings.Contains(r.Stderr, old) || !strings.Contains(r.Stderr, "aborted") {
		t.Errorf("stderr does not say the old upload %s was aborted:\n%s", old, r.Stderr)
	}
	c := stack.Counts()
	if got := c.Requests(stack.Full.Name, "UploadPart"); got != partCount(total) {
		t.Errorf("--no-resume sent %d parts, want all %d", got, partCount(total))
	}
	if c.Requests(stack.Full.Name, "CreateMultipartUpload") != 1 {
		t.Error("--no-resume did not create a new upload")
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Errorf("object SHA-256 %s, source %s", got, sum)
	}
	noUploadFor(t, key)
}

// A second run on the same file and key while the first holds the
// journal's lock exits 1 naming the first's pid, and does not disturb it.
// With its preflight on it is refused as soon as it sees the lock:
// quickly, and without a single preflight request (issue 17: it used to
// run its whole preflight first).
func TestResumeConcurrentRunLocked(t *testing.T) {
	for _, tt := range []struct {
		name      string // in the key: it must not say "preflight"
		preflight bool
	}{
		{"no-preflight", false},
		{"default", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, sum := makeFile(t, 40*size.MiB)
			key := uniqueKey(t, "obj.bin")
			cleanupKey(t, key)
			stack.ResetCounts()
			// The first run's parts are held in the gate: its first four
			// (of five, four at a time) for 6 s, and the fifth 6 s more if
			// the second and third runs are still being judged then, when
			// the hold is lifted. Both must start and reach the lock within
			// that, on a loaded machine too: a first run that ended sooner
			// fails on stillRunning below, as the test's timing.
			stack.SetFaults(teststack.Faults{Delay: 6 * time.Second})
			defer stack.SetFaults(teststack.Faults{})
			first := startCLI(t, stack.Full, kmsCp(src, key)...)
			firstDone := make(chan struct{})
			var firstErr error
			go func() { firstErr = first.cmd.Wait(); close(firstDone) }()
			// Before startCLI's cleanup (cleanups run last first), which
			// must not Wait a second time.
			t.Cleanup(func() {
				select {
				case <-firstDone:
				default:
					first.cmd.Process.Kill()
					<-firstDone
				}
			})
			stillRunning := func(when string) {
				t.Helper()
				select {
				case <-firstDone:
					t.Fatalf("the first run ended (%v) before %s was judged: the test's timing, not the product: hold its parts longer\nstdout:\n%s\nstderr:\n%s", firstErr, when, first.stdout.String(), first.stderr.String())
				default:
				}
			}
			// The lock (with the pid) is taken before CreateMultipartUpload.
			waitFor(t, time.Minute, "the first run's CreateMultipartUpload", func() bool {
				return stack.Counts().Requests(stack.Full.Name, "CreateMultipartUpload") >= 1
			})
			// Everything but the first run's parts: the second's preflight
			// would show here (GetCallerIdentity, HeadBucket, the KMS calls,
			// the canary).
			others := func() int {
				c := stack.Counts()
				return totalRequests(c) - c.Op("UploadPart") - c.Op("CompleteMultipartUpload")
			}
			before := others()
			args := kmsCp(src, key)
			if tt.preflight {
				args = slices.DeleteFunc(args, func(a string) bool { return a == "--no-preflight" })
			}
			began := time.Now()
			second := runCLI(t, stack.Full, args...)
			took := time.Since(began)
			stillRunning("the second run")
			if second.Code != 1 {
				t.Errorf("second run: exit %d, want 1: %s", second.Code, second)
			}
			if pid := fmt.Sprintf("pid %d", first.cmd.Process.Pid); !strings.Contains(second.Stderr, pid) {
				t.Errorf("second run does not name the first (%s):\n%s", pid, second.Stderr)
			}
			if c := stack.Counts(); c.Requests(stack.Full.Name, "CreateMultipartUpload") != 1 {
				t.Errorf("%d uploads created, want only the first run's", c.Requests(stack.Full.Name, "CreateMultipartUpload"))
			}
			if tt.preflight {
				if strings.Contains(second.Stderr, "preflight") || strings.Contains(second.Stderr, "PASS") {
					t.Errorf("second run ran its preflight:\n%s", second.Stderr)
				}
				if after := others(); after != before {
					t.Errorf("the second run made %d requests besides the first's parts, want none", after-before)
				}
				if took > 10*time.Second {
					t.Errorf("second run took %s to be refused", took)
				}
			}
			// The same command again while the first still runs, as a user
			// retries it: the same refusal, word for word.
			third := runCLI(t, stack.Full, args...)
			stillRunning("the third run")
			if third.Code != second.Code || lastLine(third.Stderr) != lastLine(second.Stderr) {
				t.Errorf("third run: exit %d, last line %q; want the second's, exit %d, %q", third.Code, lastLine(third.Stderr), second.Code, lastLine(second.Stderr))
			}
			if c := stack.Counts(); c.Requests(stack.Full.Name, "CreateMultipartUpload") != 1 {
				t.Errorf("%d uploads created after the third run, want only the first run's", c.Requests(stack.Full.Name, "CreateMultipartUpload"))
			}
			if tt.preflight {
				if after := others(); after != before {
					t.Errorf("the second and third runs made %d requests besides the first's parts, want none", after-before)
				}
			}
			stack.SetFaults(teststack.Faults{})
			<-firstDone
			if firstErr != nil {
				t.Fatalf("first run: %v, want exit 0\nstdout:\n%s\nstderr:\n%s", firstErr, first.stdout.String(), first.stderr.String())
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Errorf("object SHA-256 %s, source %s", got, sum)
			}
			noUploadFor(t, key)
			// The lock is gone with the first run: the same command now
			// completes, and leaves no upload behind.
			if r := runCLI(t, stack.Full, args...); r.Code != 0 {
				t.Fatalf("run after the first finished: exit %d, want 0: %s", r.Code, r)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Errorf("object SHA-256 after the last run %s, source %s", got, sum)
			}
			noUploadFor(t, key)
		})
	}
}

// Helpers shared by resume_test.go, faults_test.go and uploads_test.go.

// kmsCp is a cp of src to key as the tests here run it: SSE-KMS with the
// stack's key, no preflight, 8 MiB parts, 4 at a time; extra flags last.
func kmsCp(src, key string, extra ...string) []string {
	return append([]string{"cp", src, target(key),
		"--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--no-progress",
		"--part-size", "8MiB", "--concurrency", fmt.Sprint(e2eConcurrency)}, extra...)
}

// partCount is the number of e2ePartSize parts of n bytes.
func partCount(n int64) int { return int((n + e2ePartSize - 1) / e2ePartSize) }

// cleanupKey aborts, after the test, every upload left for key (tests that
// keep one on purpose rely on it) and deletes the object, which moto holds
// in memory.
func cleanupKey(t *testing.T, key string) {
	t.Helper()
	t.Cleanup(func() {
		c := adminS3(t)
		ctx := context.Background()
		for _, id := range uploadsFor(t, key) {
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: aws.String(id)}); err != nil {
				t.Errorf("cleanup: aborting %s of %s: %v", id, key, err)
			}
		}
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)}); err != nil {
			t.Logf("cleanup: deleting %s: %v", key, err)
		}
	})
}

// noUploadFor fails the test if an upload of key is still in progress.
func noUploadFor(t *testing.T, key string) {
	t.Helper()
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Errorf("uploads left for %s: %v", key, ids)
	}
}

// oneUpload returns the id of the one upload in progress for key.
func oneUpload(t *testing.T, key string) string {
	t.Helper()
	ids := uploadsFor(t, key)
	if len(ids) != 1 {
		t.Fatalf("%d uploads in progress for %s, want 1: %v", len(ids), key, ids)
	}
	return ids[0]
}

// serverParts lists the parts S3 (moto) has for an upload, as the admin.
func serverParts(t *testing.T, key, uploadID string) []types.Part {
	t.Helper()
	var parts []types.Part
	in := &s3.ListPartsInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID)}
	for {
		out, err := adminS3(t).ListParts(context.Background(), in)
		if err != nil {
			t.Fatalf("ListParts %s: %v", key, err)
		}
		parts = append(parts, out.Parts...)
		if !aws.ToBool(out.IsTruncated) || out.NextPartNumberMarker == nil {
			return parts
		}
		in.PartNumberMarker = out.NextPartNumberMarker
	}
}

func partBytes(parts []types.Part) int64 {
	var n int64
	for _, p := range parts {
		n += aws.ToInt64(p.Size)
	}
	return n
}

// killHard SIGKILLs a running uploader (by its own pid) and reaps it; the
// test fails if the uploader had already ended on its own.
func killHard(t *testing.T, r *runningCLI) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL pid %d: %v", r.cmd.Process.Pid, err)
	}
	res := r.wait(t)
	if ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the uploader ended before the SIGKILL: %s", res)
	}
}

// settleGate waits until the gate's UploadPart counters have not moved for
// half a second: requests of a killed uploader still in the gate (delayed,
// or forwarding) are counted before the next run's counts are reset.
func settleGate(t *testing.T) {
	t.Helper()
	read := func() [2]int64 {
		c := stack.Counts()
		return [2]int64{int64(c.Op("UploadPart")), c.BodyBytes["UploadPart"]}
	}
	prev, still := read(), 0
	deadline := time.Now().Add(30 * time.Second)
	for still < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the gate's UploadPart counters kept moving for 30 s after the uploader stopped")
		}
		time.Sleep(100 * time.Millisecond)
		cur := read()
		if cur == prev {
			still++
		} else {
			prev, still = cur, 0
		}
	}
}

// abandonUpload starts a slowed upload of src (3 parts or more) to key,
// one part at a time, SIGKILLs it once a part is journaled (the next is
// then held in the gate's delay), and returns the upload id it left.
func abandonUpload(t *testing.T, src, key string) string {
	t.Helper()
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, kmsCp(src, key, "--concurrency", "1")...)
	waitFor(t, time.Minute, "a journaled part", func() bool {
		rec := journalFor(t, key)
		return rec != nil && len(rec.Parts) >= 1
	})
	killHard(t, run)
	stack.SetFaults(teststack.Faults{})
	settleGate(t)
	return oneUpload(t, key)
}

// journalFor reads the uploader's journal of key from the run's state
// folder (XDG_STATE_HOME), or nil when there is none.
func journalFor(t *testing.T, key string) *journal.Record {
	t.Helper()
	store, err := journal.Open(filepath.Join(stateHome, "uploader"))
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := store.List()
	for i := range recs {
		if recs[i].Identity.Key == key {
			return &recs[i]
		}
	}
	return nil
}

// checkJournalFile: a journal is private (0600) and holds no credentials.
func checkJournalFile(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("journal %s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), stack.Full.SecretAccessKey) || strings.Contains(string(b), stack.Full.AccessKeyID) {
		t.Errorf("journal %s holds credentials", path)
	}
}
