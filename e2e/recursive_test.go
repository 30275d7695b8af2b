package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

// cp --recursive: which files go, to which keys.

// --include/--exclude in order, the last match wins, patterns relative to
// DIR with '*' crossing '/': only the selected files are uploaded, each to
// PREFIX + its relative path; s3://B/P means P/.
func TestRecursiveIncludeExclude(t *testing.T) {
	tr := newTree(t, map[string]int64{
		"a.txt": 1000, "b.log": 1000, "sub/c.txt": 2000, "sub/d.log": 10, "sub/deep/e.txt": 10, "f1.txt": 5,
	})
	prefix := setPrefix(t)
	r := runCLI(t, stack.Full, setCp(tr.dir, strings.TrimSuffix(prefix, "/"), "--json",
		"--exclude", "*", "--include", "*.txt", "--exclude", "sub/deep/*", "--exclude", "f?.txt")...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	wantKeys(t, prefix, "a.txt", "sub/c.txt")
	tr.checkStored(t, prefix, "a.txt", "sub/c.txt")
	if got := sourcesOf(evs, "result"); !slices.Equal(got, []string{"a.txt", "sub/c.txt"}) {
		t.Errorf("results for %v, want the two selected files", got)
	}
	sum := evs.result()
	if sum.int("files_total") != 2 || sum.int("files_ok") != 2 || sum.int("exit_code") != 0 || sum.int("bytes") != 3000 {
		t.Errorf("summary %s: want 2 of 2 files, 3000 bytes, exit 0", sum.Line)
	}
}

// Symlinks to files and directories are followed by default, the keys named
// after the links; --no-follow-symlinks leaves them out.
func TestRecursiveSymlinks(t *testing.T) {
	for _, tt := range []struct {
		name string
		flag string
		want []string
	}{
		{"followed by default", "", []string{"ldir/y.bin", "lfile", "real.bin"}},
		{"--follow-symlinks", "--follow-symlinks", []string{"ldir/y.bin", "lfile", "real.bin"}},
		{"--no-follow-symlinks", "--no-follow-symlinks", []string{"real.bin"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTree(t, map[string]int64{"real.bin": 100})
			out := newTree(t, map[string]int64{"x.bin": 200, "d/y.bin": 300})
			link(t, out.path("x.bin"), tr.path("lfile"))
			link(t, out.path("d"), tr.path("ldir"))
			prefix := setPrefix(t)
			args := setCp(tr.dir, prefix)
			if tt.flag != "" {
				args = append(args, tt.flag)
			}
			if r := runCLI(t, stack.Full, args...); r.Code != 0 {
				t.Fatalf("exit %d: %s", r.Code, r)
			}
			wantKeys(t, prefix, tt.want...)
			if slices.Contains(tt.want, "lfile") {
				if got, _ := objectSHA256(t, prefix+"lfile"); got != out.sums["x.bin"] {
					t.Error("lfile is not the linked file's content")
				}
			}
		})
	}
}

// A symlink back to an ancestor is skipped with a warning (exit 1), and
// every file is uploaded once.
func TestRecursiveSymlinkLoop(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 100, "sub/b.bin": 100})
	link(t, "..", tr.path("sub/up"))
	prefix := setPrefix(t)
	r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--json")...)
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.Code, r)
	}
	wantKeys(t, prefix, "a.bin", "sub/b.bin")
	if !strings.Contains(r.Stderr, "warning: skipping sub/up: symlink loop") {
		t.Errorf("no warning about the loop:\n%s", r.Stderr)
	}
	evs := validateSetEvents(t, r)
	if res := resultOf(t, evs, "sub/up"); res.str("status") != "skipped" || res.str("reason") != "symlink_loop" {
		t.Errorf("loop's result %s", res.Line)
	}
	if sum := evs.result(); sum.int("files_skipped") != 1 || sum.int("files_ok") != 2 || sum.int("exit_code") != 1 {
		t.Errorf("summary %s", sum.Line)
	}
}

// A FIFO is never opened (that would block): it is skipped with a warning,
// the others upload, and the set exits 1.
func TestRecursiveSpecialFileSkipped(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 100, "z.bin": 100})
	if err := syscall.Mkfifo(tr.path("pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	prefix := setPrefix(t)
	r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--json")...)
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "warning: skipping pipe: named pipe") {
		t.Errorf("no warning naming the FIFO:\n%s", r.Stderr)
	}
	wantKeys(t, prefix, "a.bin", "z.bin")
	evs := validateSetEvents(t, r)
	if res := resultOf(t, evs, "pipe"); res.str("status") != "skipped" || res.str("reason") != "special" || res.int("exit_code") != 1 {
		t.Errorf("FIFO's result %s", res.Line)
	}
	sum := evs.result()
	if sum.int("files_total") != 3 || sum.int("files_skipped") != 1 || sum.int("files_ok") != 2 || sum.int("exit_code") != 1 {
		t.Errorf("summary %s", sum.Line)
	}
}

// One preflight for the whole set, sized by its largest file: one
// preflight event, one canary (the only aborted upload), and the canary
// under the prefix.
func TestRecursiveOnePreflight(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 1000, "b.bin": 2000, "sub/c.bin": 3000, "sub/big.bin": 6 * size.MiB})
	prefix := setPrefix(t)
	stack.ResetCounts()
	r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--json")...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	pf := evs.one(t, "preflight")
	checks, _ := pf.object("report")["checks"].([]any)
	var canary string
	for _, c := range checks {
		if m, _ := c.(map[string]any); m["name"] == "canary" {
			canary, _ = m["detail"].(string)
		}
	}
	// A multipart canary (UploadPart of 1 byte): the largest file decided.
	if !strings.Contains(canary, prefix+"sub/big.bin.uploader-preflight-") || !strings.Contains(canary, "UploadPart") {
		t.Errorf("canary %q: want a multipart canary beside %s", canary, prefix+"sub/big.bin")
	}
	c := stack.Counts()
	if n := c.Requests(stack.Full.Name, "AbortMultipartUpload"); n != 1 {
		t.Errorf("%d AbortMultipartUpload, want the one canary's", n)
	}
	if n := c.Requests(stack.Full.Name, "CreateMultipartUpload"); n != 2 {
		t.Errorf("%d CreateMultipartUpload, want 2 (the canary and sub/big.bin)", n)
	}
	if n := c.Requests(stack.Full.Name, "GetCallerIdentity"); n != 1 {
		t.Errorf("%d GetCallerIdentity: the preflight ran %d times", n, n)
	}
	tr.checkStored(t, prefix, "a.bin", "b.bin", "sub/c.bin", "sub/big.bin")
	if got := sourcesOf(evs, "start"); !slices.Equal(got, []string{"a.bin", "b.bin", "sub/big.bin", "sub/c.bin"}) {
		t.Errorf("starts for %v", got)
	}
}

// Bad input for --recursive: one line naming the problem and the fix,
// exit 2, no request, no JSON.
func TestRecursiveBadInput(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 10})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"stdin", []string{"cp", "-", target("x/"), "--recursive"}, "drop --recursive"},
		{"a file", []string{"cp", tr.path("a.bin"), target("x/"), "--recursive"}, "is a file, not a directory: drop --recursive"},
		{"a directory without --recursive", []string{"cp", tr.dir, target("x/")}, "add --recursive"},
		{"--include without --recursive", []string{"cp", tr.path("a.bin"), target("x"), "--include", "*"}, "--include works with --recursive"},
		{"--skip-existing without --recursive", []string{"cp", tr.path("a.bin"), target("x"), "--skip-existing"}, "--skip-existing works with --recursive"},
		{"both symlink flags", []string{"cp", tr.dir, target("x/"), "-r", "--follow-symlinks", "--no-follow-symlinks"}, "exclude each other"},
		{"missing directory", []string{"cp", tr.path("nope"), target("x/"), "-r"}, "does not exist"},
		{"--expected-size", []string{"cp", tr.dir, target("x/"), "-r", "--expected-size", "1GiB"}, "--expected-size is for stdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack.ResetCounts()
			r := runCLI(t, stack.Full, append(tt.args, "--json")...)
			if r.Code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.Code, r)
			}
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Fatalf("want one line containing %q, got: %q", tt.want, r.Stderr)
			}
			if r.Stdout != "" {
				t.Errorf("stdout on a usage error: %q", r.Stdout)
			}
			if n := totalRequests(stack.Counts()); n != 0 {
				t.Fatalf("%d requests were sent for bad input", n)
			}
		})
	}
}

func link(t *testing.T, target, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// The header's count and the summary's agree (issue 16: "uploading 4
// files" then "3 of 6"): both count the regular files, one from the
// counting pass and one from the walk; a FIFO, an excluded file, a
// symlink to a file and (not as root, which reads any directory) an
// unreadable directory, which is a warning naming it and counted apart.
func TestRecursiveHeaderAndSummaryAgree(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 100, "sub/b.bin": 200, "skip.tmp": 10, "closed/c.bin": 10})
	if err := syscall.Mkfifo(tr.path("pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.bin", tr.path("link.bin")); err != nil {
		t.Fatal(err)
	}
	var files int64 = 4 // a.bin, closed/c.bin, link.bin, sub/b.bin
	unreadable := os.Geteuid() != 0
	if unreadable {
		if err := os.Chmod(tr.path("closed"), 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(tr.path("closed"), 0o755) })
		files = 3
	}
	prefix := setPrefix(t)
	r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--exclude", "*.tmp", "--json")...)
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1 (the FIFO): %s", r.Code, r)
	}
	if want := fmt.Sprintf("uploading %d files", files); !strings.Contains(r.Stderr, want) {
		t.Errorf("header: no %q:\n%s", want, r.Stderr)
	}
	if want := fmt.Sprintf("%d of %d files uploaded", files, files); !strings.Contains(r.Stderr, want) {
		t.Errorf("summary: no %q:\n%s", want, r.Stderr)
	}
	evs := validateSetEvents(t, r)
	sum := evs.result()
	if sum.int("files_total") != files+1 || sum.int("files_ok") != files || sum.int("files_skipped") != 1 {
		t.Errorf("summary %s", sum.Line)
	}
	if unreadable {
		if !strings.Contains(r.Stderr, "could not read the directory closed") || strings.Contains(r.Stdout, `"source":"closed"`) {
			t.Errorf("the unreadable directory is not a warning naming it, or has a file's result:\n%s\n%s", r.Stderr, r.Stdout)
		}
		if sum.int("dirs_unreadable") != 1 {
			t.Errorf("summary %s: want dirs_unreadable 1", sum.Line)
		}
	}
}
