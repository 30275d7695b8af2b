//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package journal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A link planted at the lock's name is refused, named in the message, and
// its target is neither truncated nor written: the attack the issue
// measured (a root run writing its pid into the link's target).
func TestLockRefusesAPlantedSymlink(t *testing.T) {
	s := openStore(t)
	target := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(target, []byte("do not touch\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, s.lockPath(testID)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Lock(testID)
	if !IsUnsafe(err) || !strings.Contains(err.Error(), s.lockPath(testID)) || !strings.Contains(err.Error(), "symbolic link (to "+target+")") {
		t.Fatalf("Lock through a planted link: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "do not touch\n" {
		t.Fatalf("the link's target now holds %q", b)
	}
	// A dangling link: its target is not created either.
	os.Remove(s.lockPath(testID))
	dangling := filepath.Join(t.TempDir(), "created-through-link")
	os.Symlink(dangling, s.lockPath(testID))
	if _, err := s.Lock(testID); !IsUnsafe(err) {
		t.Fatalf("Lock through a dangling link: %v", err)
	}
	if exists(dangling) {
		t.Fatal("Lock created the dangling link's target")
	}
}

// The journal itself: a link at its name is refused by Load, a hard link
// to another file too.
func TestJournalRefusesLinks(t *testing.T) {
	s := openStore(t)
	target := filepath.Join(t.TempDir(), "precious")
	os.WriteFile(target, []byte("x\n"), 0o600)
	if err := os.Symlink(target, s.journalPath(testID)); err != nil {
		t.Fatal(err)
	}
	j := lock(t, s, testID)
	defer j.Close()
	if _, err := j.Load(); !IsUnsafe(err) {
		t.Fatalf("Load through a link: %v", err)
	}
	os.Remove(s.journalPath(testID))
	if err := os.Link(target, s.journalPath(testID)); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Load(); !IsUnsafe(err) || !strings.Contains(err.Error(), "2 hard links") {
		t.Fatalf("Load of a hard link: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "x\n" {
		t.Fatalf("target now holds %q", b)
	}
}

// A state folder other users can write is refused, as ssh refuses such a
// ~/.ssh; the user's own 0700 or 0755 folder is fine.
func TestOpenRefusesAFolderOthersCanWrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "chmod go-w") {
		t.Fatalf("Open of a 0777 folder: %v", err)
	}
	os.Chmod(dir, 0o755)
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
}
