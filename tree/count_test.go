package tree

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The counting pass (the header's "uploading N files", the bar, the
// preflight's file) and the walk's Summary (the summary's "X of N") count
// the same tree the same way: special files, an excluded file, a symlink
// to a file and an unreadable directory (as a non-root user: root reads a
// directory of mode 000) included. An unreadable directory is no file: it
// is counted apart, heard of through OnUnreadableDir, and makes exit 1.
func TestCountAgreesWithSummary(t *testing.T) {
	mtime := time.Now().Add(-time.Hour)
	root := files(t, mtime, "a.bin", "sub/b.bin", "skip.tmp", "closed/c.bin")
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.bin", filepath.Join(root, "link.bin")); err != nil {
		t.Fatal(err)
	}
	unreadable := os.Geteuid() != 0
	if unreadable {
		closed := filepath.Join(root, "closed")
		if err := os.Chmod(closed, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(closed, 0o755)
	}
	walk := WalkOptions{Rules: []Rule{Exclude("*.tmp")}}
	tot, err := Count(root, "p/", walk)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	o := Options{Root: root, Prefix: "p/", Walk: walk, Files: 2,
		OnUnreadableDir: func(e Entry) { dirs = append(dirs, e.Rel) }}
	s, results, _ := collect(t, newFake(), o)

	wantFiles, wantDirs := 4, 0 // a.bin, closed/c.bin, link.bin, sub/b.bin
	if unreadable {
		wantFiles, wantDirs = 3, 1
	}
	if tot.Files != wantFiles || s.Files != wantFiles {
		t.Errorf("files: counted %d, walked %d, want %d", tot.Files, s.Files, wantFiles)
	}
	if tot.Other != 1 || s.Entries != tot.Files+tot.Other {
		t.Errorf("others: counted %d (want 1, the FIFO); walked %d entries, counted %d", tot.Other, s.Entries, tot.Files+tot.Other)
	}
	if tot.UnreadableDirs != wantDirs || s.UnreadableDirs != wantDirs || len(dirs) != wantDirs {
		t.Errorf("unreadable dirs: counted %d, walked %d, heard %v, want %d", tot.UnreadableDirs, s.UnreadableDirs, dirs, wantDirs)
	}
	if _, ok := results["closed"]; ok {
		t.Errorf("the unreadable directory has a file's result: %+v", results["closed"])
	}
	if _, ok := results["skip.tmp"]; ok {
		t.Error("the excluded file has a result")
	}
	if s.Count(OK) != wantFiles {
		t.Errorf("%d uploaded, want %d", s.Count(OK), wantFiles)
	}
	wantExit := ExitFailed // the FIFO
	if got := ExitCode(s, 0); got != wantExit {
		t.Errorf("exit %d, want %d", got, wantExit)
	}
	if unreadable {
		s.ByClass[Skipped] = s.Existing // without the FIFO, the directory alone fails the set
		if got := ExitCode(s, 0); got != ExitFailed {
			t.Errorf("an unreadable directory alone: exit %d, want 1", got)
		}
	}
}
