package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// --skip-existing decides from one listing of the prefix, merged with the
// walk (the aws s3 sync rule): an unchanged set costs about N/1000
// ListObjectsV2 and no HeadObject; a file rewritten with the same size
// (a newer mtime) is sent again.
func TestRecursiveSyncRerun(t *testing.T) {
	const n = 1010 // two listing pages
	files := map[string]int64{}
	for i := range n {
		// Names that sort differently by directory and by key: "d-x",
		// "d.txt" before "d/...".
		files[fmt.Sprintf("d%d/f%04d", i%3, i)] = int64(1 + i%7)
	}
	files["d0-x"], files["d0.txt"], files["rewritten.bin"] = 3, 4, 1000
	tr := newTree(t, files)
	prefix := setPrefix(t)
	args := setCp(tr.dir, prefix, "--no-preflight", "--skip-existing", "--json", "--concurrency", "16")
	if r := runCLI(t, stack.Full, args...); r.Code != 0 {
		t.Fatalf("first run: exit %d: %s", r.Code, r)
	}

	stack.ResetCounts()
	r := runCLI(t, stack.Full, args...)
	if r.Code != 0 {
		t.Fatalf("unchanged rerun: exit %d: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	if sum := evs.result(); sum.int("files_skipped") != int64(len(files)) || sum.int("files_ok") != 0 || sum.str("skip_rule") != "sync" {
		t.Errorf("unchanged rerun: summary %s", sum.Line)
	}
	c := stack.Counts()
	if got := c.Requests(stack.Full.Name, "ListObjectsV2"); got != 2 {
		t.Errorf("unchanged rerun of %d files: %d ListObjectsV2, want 2 (1,000 keys a request)", len(files), got)
	}
	for _, op := range []string{"HeadObject", "PutObject", "CreateMultipartUpload", "UploadPart"} {
		if got := c.Requests(stack.Full.Name, op); got != 0 {
			t.Errorf("unchanged rerun: %d %s, want none", got, op)
		}
	}

	// Same size, new bytes, newer mtime: sent again.
	tr.write(t, "rewritten.bin", 1000)
	touch(t, tr.path("rewritten.bin"), time.Now().Add(time.Hour))
	stack.ResetCounts()
	r = runCLI(t, stack.Full, args...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.Code, r)
	}
	evs = validateSetEvents(t, r)
	if res := resultOf(t, evs, "rewritten.bin"); res.str("status") != "ok" {
		t.Errorf("rewritten.bin: %s, want sent again", res.Line)
	}
	if got := sourcesOf(evs, "start"); !slices.Equal(got, []string{"rewritten.bin"}) {
		t.Errorf("the rerun sent %v, want only rewritten.bin", got)
	}
	tr.checkStored(t, prefix, "rewritten.bin", "d0-x", "d0.txt")
}

// A set killed with SIGKILL midway, then rerun with --skip-existing: the
// files completed are not sent again, the file that was in flight resumes
// from its journal (no part it journaled is sent again, no new upload is
// created), the rest upload; every object is exact and no multipart
// upload is left behind.
func TestRecursiveKilledThenSync(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 1000, "b.bin": 2000, "c_big.bin": 30 * size.MiB, "d.bin": 3000})
	prefix := setPrefix(t)
	args := setCp(tr.dir, prefix, "--no-preflight", "--skip-existing", "--json", "--concurrency", "1")
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, args...)
	waitFor(t, time.Minute, "2 acknowledged parts of c_big.bin", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 2
	})
	if err := run.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = run.cmd.Wait()
	stack.SetFaults(teststack.Faults{})
	settleGate(t)
	before := stack.Counts().Status(stack.Full.Name, "UploadPart", 200)
	wantKeys(t, prefix, "a.bin", "b.bin")

	stack.ResetCounts()
	r := runCLI(t, stack.Full, args...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	for _, src := range []string{"a.bin", "b.bin"} {
		if res := resultOf(t, evs, src); res.str("status") != "skipped" || res.str("reason") != "exists" {
			t.Errorf("%s: %s, want skipped as existing", src, res.Line)
		}
	}
	if res := resultOf(t, evs, "c_big.bin"); res.str("status") != "ok" || res.int("resumed_bytes") <= 0 {
		t.Errorf("c_big.bin: %s, want resumed", res.Line)
	}
	c := stack.Counts()
	if got := c.Requests(stack.Full.Name, "CreateMultipartUpload"); got != 0 {
		t.Errorf("the rerun created %d uploads instead of resuming", got)
	}
	if got := c.Requests(stack.Full.Name, "PutObject"); got != 1 {
		t.Errorf("the rerun sent %d PutObject, want 1 (d.bin)", got)
	}
	// 6 parts in all; at most the part in flight at the kill, acknowledged
	// by S3 but not yet journaled, is sent twice.
	if after := c.Requests(stack.Full.Name, "UploadPart"); before+after > 7 || after > 6-1 {
		t.Errorf("parts: %d before the kill, %d on the rerun, of 6", before, after)
	}
	wantKeys(t, prefix, "a.bin", "b.bin", "c_big.bin", "d.bin")
	tr.checkStored(t, prefix, "a.bin", "b.bin", "c_big.bin", "d.bin")
	for _, u := range listUploads(t) {
		if strings.HasPrefix(aws.ToString(u.Key), prefix) {
			t.Errorf("orphaned upload %s of %s", aws.ToString(u.UploadId), aws.ToString(u.Key))
		}
	}
}

// A set in which one file has a kept upload whose CompleteMultipartUpload
// reached S3 but whose journal remained (a Ctrl-C at the wrong moment):
// with --skip-existing the file goes to the engine, not to the skip rule,
// and the engine recognises the completed upload (nothing sent) and
// removes the journal.
func TestRecursiveCompletedUnacknowledged(t *testing.T) {
	tr := newTree(t, map[string]int64{"big.bin": 12 * size.MiB, "small.bin": 100})
	prefix := setPrefix(t)
	args := setCp(tr.dir, prefix, "--no-preflight", "--skip-existing", "--json", "--concurrency", "1")
	journals := filepath.Join(stateHome, "uploader")
	old := journalFiles(t, journals)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, args...)
	var kept map[string][]byte
	waitFor(t, time.Minute, "a journal with 2 parts", func() bool {
		if stack.Counts().Status(stack.Full.Name, "UploadPart", 200) < 2 {
			return false
		}
		kept = map[string][]byte{}
		for _, p := range journalFiles(t, journals) {
			if !slices.Contains(old, p) {
				if b, err := os.ReadFile(p); err == nil {
					kept[p] = b
				}
			}
		}
		return len(kept) == 1
	})
	if r := run.wait(t); r.Code != 0 {
		t.Fatalf("first run: exit %d: %s", r.Code, r)
	}
	stack.SetFaults(teststack.Faults{})
	// As if the run had ended between CompleteMultipartUpload and the
	// journal's removal: the journal back, with its third part (the copy
	// was taken after two), as the run had journaled it.
	var journalPath string
	for p, b := range kept {
		journalPath = p
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	completeJournal(t, journals, journal.Identity{Source: tr.path("big.bin"), Bucket: stack.Bucket, Key: prefix + "big.bin"})

	stack.ResetCounts()
	r := runCLI(t, stack.Full, args...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	res := resultOf(t, evs, "big.bin")
	if res.str("status") != "ok" || !strings.Contains(res.Line, "had already completed") {
		t.Errorf("big.bin: %s, want ok, recognised as completed", res.Line)
	}
	if res := resultOf(t, evs, "small.bin"); res.str("status") != "skipped" {
		t.Errorf("small.bin: %s, want skipped", res.Line)
	}
	c := stack.Counts()
	for _, op := range []string{"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"} {
		if got := c.Requests(stack.Full.Name, op); got != 0 {
			t.Errorf("%d %s, want none", got, op)
		}
	}
	if _, err := os.Stat(journalPath); !os.IsNotExist(err) {
		t.Errorf("the journal %s is still there (%v)", journalPath, err)
	}
	tr.checkStored(t, prefix, "big.bin", "small.bin")
}

// completeJournal adds the missing last part (5 MiB parts) to the journal
// of id, with its real checksum.
func completeJournal(t *testing.T, dir string, id journal.Identity) {
	t.Helper()
	js, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	j, err := js.Lock(id)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rec, err := j.Load()
	if err != nil || rec == nil {
		t.Fatalf("journal of %s: %v %v", id, rec, err)
	}
	f, err := os.Open(id.Source)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	const part = 5 * size.MiB
	for n := int32(1); int64(n-1)*part < fi.Size(); n++ {
		if _, ok := rec.Parts[n]; ok {
			continue
		}
		off := int64(n-1) * part
		ln := min(part, fi.Size()-off)
		sum, err := checksum.SumAt(checksum.CRC64NVME, f, off, ln, make([]byte, checksum.ReadBufferSize))
		if err != nil {
			t.Fatal(err)
		}
		rec.Parts[n] = journal.Part{Number: n, Size: ln, ETag: `"journaled"`, Checksum: checksum.Encode(sum)}
	}
	if err := j.Begin(*rec); err != nil {
		t.Fatal(err)
	}
}

func journalFiles(t *testing.T, dir string) []string {
	t.Helper()
	ps, err := filepath.Glob(filepath.Join(dir, "*.journal"))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// A set that skips needs s3:ListBucket: the preflight proves the listing,
// and a caller without it gets list_denied (exit 3) before any file is
// sent.
func TestRecursiveListDenied(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 100})
	prefix := setPrefix(t)
	actions := []string{"kms:*", "sts:GetCallerIdentity",
		"s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
		"s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration"}
	u, err := stack.NewUser(context.Background(), fmt.Sprintf("nolist%d", time.Now().UnixNano()), teststack.Policy(actions...))
	if err != nil {
		t.Fatal(err)
	}
	args := setCp(tr.dir, prefix, "--skip-existing", "--json")
	r := runCLI(t, u, args...)
	if r.Code != 3 || !strings.Contains(r.Stderr, "s3:ListBucket") || !strings.Contains(r.Stdout, `"list_denied"`) {
		t.Fatalf("preflight: exit %d, want 3 with list_denied: %s", r.Code, r)
	}
	// The same command again, as every user runs it: the same exit, the
	// same diagnosis (code and message), the same failed row.
	again := runCLI(t, u, args...)
	if again.Code != 3 {
		t.Fatalf("rerun: exit %d, want 3: %s", again.Code, again)
	}
	diagnosis := func(r cliResult) (code, message string) {
		d := validateSetEvents(t, r).one(t, "summary").object("diagnosis")
		code, _ = d["code"].(string)
		message, _ = d["message"].(string)
		return code, message
	}
	code1, msg1 := diagnosis(r)
	code2, msg2 := diagnosis(again)
	if code1 != "list_denied" || code2 != code1 || msg2 != msg1 {
		t.Errorf("diagnosis: first run %s %q, rerun %s %q; want list_denied twice, the same message", code1, msg1, code2, msg2)
	}
	if row1, row2 := lineWith(r.Stderr, "[list_denied]"), lineWith(again.Stderr, "[list_denied]"); row1 == "" || row2 != row1 {
		t.Errorf("the list_denied row: first run %q, rerun %q", row1, row2)
	}
	if objectExists(t, prefix+"a.bin") {
		t.Fatal("a.bin was sent by the rerun")
	}
	// Without the preflight, the set's own listing is denied: the same
	// diagnosis, and no file starts without its decision.
	r = runCLI(t, u, setCp(tr.dir, prefix, "--skip-existing", "--json", "--no-preflight")...)
	if r.Code != 3 || !strings.Contains(r.Stderr, "s3:ListBucket") || !strings.Contains(r.Stdout, `"list_denied"`) {
		t.Fatalf("no preflight: exit %d, want 3 with list_denied: %s", r.Code, r)
	}
	if objectExists(t, prefix+"a.bin") {
		t.Error("a.bin was sent")
	}
	// Without --skip-existing no listing is needed.
	if r := runCLI(t, u, setCp(tr.dir, prefix, "--json")...); r.Code != 0 {
		t.Fatalf("without --skip-existing: exit %d: %s", r.Code, r)
	}
	// The fix the diagnosis names: s3:ListBucket granted, the first
	// command, unchanged, completes and stores the file. The object of the
	// run above is deleted first, so that this one must send it.
	if _, err := adminS3(t).DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(prefix + "a.bin")}); err != nil {
		t.Fatal(err)
	}
	if err := stack.SetUserPolicy(context.Background(), u, teststack.Policy(append(actions, "s3:ListBucket")...)); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, u, args...); r.Code != 0 {
		t.Fatalf("with s3:ListBucket granted: exit %d: %s", r.Code, r)
	}
	tr.checkStored(t, prefix, "a.bin")
}

// A file with a kept upload is resumed by a rerun with --skip-existing,
// neither skipped nor restarted, even when the listing alone would skip
// it: here the object of an earlier upload has the file's size and is
// newer than the file (rewritten with an old mtime), so only the journal
// tells that the new bytes are half sent.
func TestRecursiveKeptUploadNotSkipped(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 1000, "c_big.bin": 30 * size.MiB})
	prefix := setPrefix(t)
	if r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--no-preflight")...); r.Code != 0 {
		t.Fatalf("first run: exit %d: %s", r.Code, r)
	}
	tr.write(t, "c_big.bin", 30*size.MiB)
	touch(t, tr.path("c_big.bin"), time.Now().Add(-time.Hour))

	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, setCp(tr.dir, prefix, "--no-preflight", "--concurrency", "1")...)
	waitFor(t, time.Minute, "2 acknowledged parts of c_big.bin", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 2
	})
	if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if r := run.wait(t); r.Code != 130 {
		t.Fatalf("exit %d after SIGINT, want 130: %s", r.Code, r)
	}
	stack.SetFaults(teststack.Faults{})
	settleGate(t)

	stack.ResetCounts()
	r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--no-preflight", "--skip-existing", "--json")...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	if res := resultOf(t, evs, "c_big.bin"); res.str("status") != "ok" || res.int("resumed_bytes") <= 0 {
		t.Errorf("c_big.bin: %s, want resumed", res.Line)
	}
	if res := resultOf(t, evs, "a.bin"); res.str("status") != "skipped" {
		t.Errorf("a.bin: %s, want skipped", res.Line)
	}
	if n := stack.Counts().Requests(stack.Full.Name, "CreateMultipartUpload"); n != 0 {
		t.Errorf("the rerun created %d uploads instead of resuming", n)
	}
	tr.checkStored(t, prefix, "a.bin", "c_big.bin")
}

// SIGTERM ends a set as it ends a single cp: exit 143, the file in flight
// interrupted and kept.
func TestRecursiveSIGTERM(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 1000, "c_big.bin": 30 * size.MiB, "d.bin": 10})
	prefix := setPrefix(t)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, setCp(tr.dir, prefix, "--no-preflight", "--json", "--concurrency", "1")...)
	waitFor(t, time.Minute, "an acknowledged part of c_big.bin", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 1
	})
	if err := run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 143 {
		t.Fatalf("exit %d after SIGTERM, want 143: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	if res := resultOf(t, evs, "c_big.bin"); res.str("status") != "interrupted" || res.int("exit_code") != 143 || !res.boolean("upload_kept") {
		t.Errorf("c_big.bin: %s", res.Line)
	}
	if sum := evs.result(); sum.int("exit_code") != 143 || sum.int("files_not_started") != 1 {
		t.Errorf("summary %s", sum.Line)
	}
	stack.SetFaults(teststack.Faults{})
	settleGate(t)
}
