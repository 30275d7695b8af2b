package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/size"
)

// A symlink planted at the lock's predictable name in --state-dir is
// refused: exit 1 with one line naming the link and the fix, no upload
// created, the link's target unchanged (before, the run truncated it and
// wrote its pid there).
func TestPlantedLockSymlinkRefused(t *testing.T) {
	src, sum := makeFile(t, 12*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	dir := t.TempDir()
	abs, _ := filepath.Abs(src)
	lockPath := filepath.Join(dir, journal.Identity{Source: abs, Bucket: stack.Bucket, Key: key}.ID()+".lock")
	victim := filepath.Join(t.TempDir(), "victim")
	const content = "precious data\n"
	if err := os.WriteFile(victim, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, lockPath); err != nil {
		t.Fatal(err)
	}
	args := kmsCp(src, key, "--part-size", "5MiB", "--state-dir", dir)
	r := runCLI(t, stack.Full, args...)
	last := lastLine(r.Stderr)
	if r.Code != 1 || !strings.Contains(last, "refusing "+lockPath) || !strings.Contains(last, "symbolic link (to "+victim+")") || !strings.Contains(last, "rm ") {
		t.Fatalf("want exit 1 and one line naming the link and the fix: %s", r)
	}
	t.Logf("stderr: %s", r.Stderr)
	if b, _ := os.ReadFile(victim); string(b) != content {
		t.Fatalf("the link's target now holds %q", b)
	}
	if fi, err := os.Lstat(lockPath); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the planted link was changed: %v %v", fi, err)
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("uploads created: %v", ids)
	}
	// The same command again, as every user runs it: the same refusal,
	// the target still untouched, still no upload.
	again := runCLI(t, stack.Full, args...)
	if again.Code != 1 || lastLine(again.Stderr) != last {
		t.Fatalf("rerun: exit %d, last line %q; want exit 1, %q: %s", again.Code, lastLine(again.Stderr), last, again)
	}
	if b, _ := os.ReadFile(victim); string(b) != content {
		t.Fatalf("after the rerun the link's target holds %q", b)
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("uploads created by the rerun: %v", ids)
	}
	// The fix the line names: the link removed, the same command uploads.
	if err := os.Remove(lockPath); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, stack.Full, args...); r.Code != 0 {
		t.Fatalf("with the link removed: exit %d, want 0: %s", r.Code, r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Errorf("object SHA-256 %s, source %s", got, sum)
	}
	if b, _ := os.ReadFile(victim); string(b) != content {
		t.Errorf("after the upload the former link's target holds %q", b)
	}
	noUploadFor(t, key)
}
