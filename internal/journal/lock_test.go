package journal

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestLockOtherProcess(t *testing.T) {
	s := openStore(t)
	h := startHelper(t, s.Dir())

	_, err := s.Lock(testID)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Lock while another process holds it: %v", err)
	}
	want := fmt.Sprintf("another uploader (pid %d) is uploading this file to s3://bucket/dir/big.bin; wait for it or stop it", h.cmd.Process.Pid)
	if le.PID != h.cmd.Process.Pid || le.Path != s.lockPath(testID) || err.Error() != want {
		t.Fatalf("LockedError = %+v, %q", le, err)
	}
	// Another identity is not blocked.
	other := lock(t, s, Identity{Source: "/data/other", Bucket: "bucket", Key: "k"})
	other.Close()

	// The helper closes its journal: the lock is free.
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	j := lock(t, s, testID)
	if pid, _ := os.ReadFile(s.lockPath(testID)); strings.TrimSpace(string(pid)) != fmt.Sprint(os.Getpid()) {
		t.Fatalf("lock file holds %q, want our pid", pid)
	}
	j.Close()
}

// A run killed outright leaves its lock file (with its pid) behind; the
// kernel dropped the flock with the process, so the next run proceeds.
func TestLockLeftByDeadProcess(t *testing.T) {
	s := openStore(t)
	h := startHelper(t, s.Dir())
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	h.cmd.Wait()
	if pid, _ := os.ReadFile(s.lockPath(testID)); strings.TrimSpace(string(pid)) != fmt.Sprint(h.cmd.Process.Pid) {
		t.Fatalf("lock file holds %q, want the dead helper's pid", pid)
	}
	j, err := s.Lock(testID)
	if err != nil {
		t.Fatalf("stale lock file blocks: %v", err)
	}
	j.Close()
}

func TestLockSameProcess(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	var le *LockedError
	if _, err := s.Lock(testID); !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second Lock in this process: %v", err)
	}
	j.Close()
	lock(t, s, testID).Close()
}

// Remove deletes the lock file while still holding it; a Journal that was
// locked on the deleted file must not keep a new Lock out, and Lock must
// never hand out a lock on a file that is no longer at the lock path.
func TestLockAfterRemove(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	j.Begin(testRecord())
	if err := j.Remove(); err != nil {
		t.Fatal(err)
	}
	j2 := lock(t, s, testID) // j still holds the unlinked file's flock
	if !samePath(j2.lock, s.lockPath(testID)) {
		t.Fatal("lock taken on a file not at the lock path")
	}
	if _, err := s.Lock(testID); err == nil {
		t.Fatal("the new lock does not exclude")
	}
	j.Close()
	j2.Close()
}

func TestLockRejectsBadIdentity(t *testing.T) {
	s := openStore(t)
	for _, id := range []Identity{
		{Source: "rel/path", Bucket: "b", Key: "k"},
		{Source: "/a/../b", Bucket: "b", Key: "k"},
		{Source: "/a", Key: "k"},
		{Source: "/a", Bucket: "b"},
	} {
		if j, err := s.Lock(id); err == nil {
			j.Close()
			t.Errorf("Lock(%+v) accepted", id)
		}
	}
}
