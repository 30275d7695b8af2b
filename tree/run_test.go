package tree

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

// files makes a directory with one file per relative path, each holding
// its own path (so sizes differ by name), modified at mtime.
func files(t *testing.T, mtime time.Time, rels ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, rel := range rels {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// collect runs a set and returns its summary and results by relative path.
func collect(t *testing.T, f *fakeS3, o Options) (Summary, map[string]FileResult, []string) {
	t.Helper()
	results := map[string]FileResult{}
	var order []string
	o.Bucket = "b"
	o.OnResult = func(r FileResult) {
		results[r.Entry.Rel] = r
		order = append(order, r.Entry.Rel)
	}
	u := upload.New(f, upload.Options{Concurrency: 4})
	s, err := Run(context.Background(), u, o)
	if err != nil {
		t.Fatal(err)
	}
	return s, results, order
}

// The walk and the listing are merged as two sorted streams: S3 lists in
// the UTF-8 byte order of the whole key, so "a-b" and "a.txt" (and the
// "p.x" sibling of the prefix) come before "a/x", and "a0" after. Listed
// three keys a page, every decision is right, with one request per page
// and no HEAD.
func TestListingMerge(t *testing.T) {
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rels := []string{"a-b", "a.txt", "a/x", "a/y/z", "a0", "b", "new", "\u00e9"}
	dir := files(t, mtime, append(rels, "changed", "touched")...)
	f := newFake()
	f.pageSize = 3
	later := mtime.Add(time.Hour)
	for _, rel := range rels[:len(rels)-2] { // not "new", "é"
		f.put("p/"+rel, int64(len(rel)), later)
	}
	f.put("p/\u00e9", int64(len("\u00e9")), later)
	f.put("p/changed", 99, later)                            // another size
	f.put("p/touched", int64(len("touched")), mtime.Add(-1)) // older than the file
	f.put("p.x", 1, later)                                   // a sibling of the prefix
	f.put("p-", 1, later)
	f.put("q/a", 1, later)
	s, res, _ := collect(t, f, Options{Root: dir, Prefix: "p/", Skip: SkipSync, Lister: f})

	for rel, want := range map[string]Class{"a-b": Skipped, "a.txt": Skipped, "a/x": Skipped, "a/y/z": Skipped, "a0": Skipped,
		"b": Skipped, "\u00e9": Skipped, "new": OK, "changed": OK, "touched": OK} {
		if got := res[rel]; got.Class != want {
			t.Errorf("%s: %v (%s), want %v", rel, got.Class, got.Why, want)
		}
	}
	if s.Existing != 7 || s.Count(OK) != 3 || ExitCode(s, 0) != ExitOK {
		t.Errorf("summary %+v", s)
	}
	if f.heads != 0 {
		t.Errorf("%d HeadObject, want none", f.heads)
	}
	// 11 objects from "p." on (p.x and the 9 under p/, then q/a) at 3 a
	// page: 4 pages at most, each read once.
	if n := len(f.lists); n > 4 {
		t.Errorf("%d listings, want <= 4", n)
	}
	if in := f.lists[0]; *in.Prefix != "p" || *in.StartAfter != "p." {
		t.Errorf("first listing: prefix %q start-after %q", *in.Prefix, *in.StartAfter)
	}
	wantPuts := []string{"p/changed", "p/new", "p/touched"}
	puts := slices.Clone(f.puts)
	slices.Sort(puts)
	if !slices.Equal(puts, wantPuts) {
		t.Errorf("sent %v, want %v", puts, wantPuts)
	}
}

// An unchanged set of N files costs about N/1000 listings and no HEAD.
func TestUnchangedSetCost(t *testing.T) {
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rels []string
	for i := range 2500 {
		rels = append(rels, filepath.ToSlash(filepath.Join(string(rune('a'+i%7)), strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('0'+i/26%10))+string(rune('0'+i/260)))))
	}
	slices.Sort(rels)
	rels = slices.Compact(rels)
	dir := files(t, mtime, rels...)
	f := newFake()
	for _, rel := range rels {
		f.put(rel, int64(len(rel)), mtime)
	}
	s, _, _ := collect(t, f, Options{Root: dir, Skip: SkipSync, Lister: f})
	if s.Existing != len(rels) || len(f.puts) != 0 || f.heads != 0 {
		t.Fatalf("skipped %d of %d, %d puts, %d heads", s.Existing, len(rels), len(f.puts), f.heads)
	}
	if want := (len(rels) + 999) / 1000; len(f.lists) != want {
		t.Errorf("%d listings for %d files, want %d", len(f.lists), len(rels), want)
	}
}

// Content mode HEADs only the files whose size matches.
func TestSkipContentHeadsSameSizeOnly(t *testing.T) {
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := files(t, mtime, "same", "other", "none")
	f := newFake()
	f.put("same", 4, mtime.Add(time.Hour))
	f.put("other", 1, mtime.Add(time.Hour))
	s, res, _ := collect(t, f, Options{Root: dir, Skip: SkipContent, Lister: f, Head: f, Checksum: upload.CRC64NVME})
	if f.heads != 1 || res["same"].Class != Skipped || res["other"].Class != OK || res["none"].Class != OK {
		t.Errorf("%d heads; %+v", f.heads, s)
	}
}

// A file with a resume journal goes to the engine even when the listing
// says its object is there: the engine resumes the kept upload or
// recognises it as completed (and removes the journal).
func TestJournaledFileIsNotSkipped(t *testing.T) {
	mtime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := files(t, mtime, "kept", "done")
	js, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeJournal(t, js, filepath.Join(dir, "kept"), "b", "kept")
	f := newFake()
	f.put("kept", 4, mtime.Add(time.Hour))
	f.put("done", 4, mtime.Add(time.Hour))
	_, res, _ := collect(t, f, Options{Root: dir, Skip: SkipSync, Lister: f, Journals: js})
	if res["done"].Class != Skipped || res["kept"].Class == Skipped {
		t.Errorf("done %v, kept %v: want done skipped, kept sent to the engine", res["done"].Class, res["kept"].Class)
	}
}

// The default failure policy stops the set at a permanent diagnosis: the
// file in flight beside it is cancelled, the later ones never start. With
// Continue they all run.
func TestFailurePolicy(t *testing.T) {
	for _, policy := range []FailurePolicy{StopOnPermanent, Continue} {
		dir := files(t, time.Now(), "a_slow", "b_denied", "c", "d")
		f := newFake()
		var slowCancel sync.Once
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if policy == Continue {
			// Nothing cancels the slow one but us, once the others ended.
			go func() {
				deadline := time.After(5 * time.Second)
				for {
					f.mu.Lock()
					n := len(f.puts)
					f.mu.Unlock()
					if n == 4 {
						time.Sleep(50 * time.Millisecond)
						slowCancel.Do(cancel)
						return
					}
					select {
					case <-deadline:
						slowCancel.Do(cancel)
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
		}
		res := map[string]FileResult{}
		var mu sync.Mutex
		u := upload.New(f, upload.Options{Concurrency: 2})
		s, err := Run(ctx, u, Options{Root: dir, Bucket: "b", Files: 2, FailurePolicy: policy,
			OnResult: func(r FileResult) { mu.Lock(); res[r.Entry.Rel] = r; mu.Unlock() }})
		if err != nil {
			t.Fatal(err)
		}
		var d *diagnose.Diagnosis
		if !errors.As(res["b_denied"].Err, &d) || res["b_denied"].Class != FailedPermanent {
			t.Fatalf("%v: b_denied %v %v", policy, res["b_denied"].Class, res["b_denied"].Err)
		}
		switch policy {
		case StopOnPermanent:
			if res["a_slow"].Class != Cancelled || res["c"].Class != NotStarted || res["d"].Class != NotStarted {
				t.Errorf("stop: %v %v %v", res["a_slow"].Class, res["c"].Class, res["d"].Class)
			}
			if s.Stopper == nil || s.Stopper.Entry.Rel != "b_denied" || ExitCode(s, 0) != ExitDiagnosed {
				t.Errorf("stop: summary %+v", s)
			}
			if slices.Contains(f.puts, "c") || slices.Contains(f.puts, "d") {
				t.Errorf("stop: sent %v", f.puts)
			}
		case Continue:
			if res["c"].Class != OK || res["d"].Class != OK || s.Stopper != nil {
				t.Errorf("continue: c %v d %v stopper %v", res["c"].Class, res["d"].Class, s.Stopper)
			}
		}
	}
}

// Each failure gets its class; a closed Stop starts no more files.
func TestClasses(t *testing.T) {
	dir := files(t, time.Now(), "bad", "ok", "throttled")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	f := newFake()
	s, res, _ := collect(t, f, Options{Root: dir})
	for rel, want := range map[string]Class{"bad": Failed, "ok": OK, "throttled": FailedTransient, "dangling": Failed} {
		if res[rel].Class != want {
			t.Errorf("%s: %v (%v), want %v", rel, res[rel].Class, res[rel].Err, want)
		}
	}
	if ExitCode(s, 0) != ExitTransient || s.Failed() != 3 {
		t.Errorf("exit %d, failed %d", ExitCode(s, 0), s.Failed())
	}

	stop := make(chan struct{})
	close(stop)
	s, res, _ = collect(t, newFake(), Options{Root: dir, Stop: stop})
	if res["ok"].Class != NotStarted || s.Count(NotStarted) != 3 || ExitCode(s, 0) != ExitFailed || ExitCode(s, 2) != 130 {
		t.Errorf("stopped: %v, %+v", res["ok"].Class, s)
	}
}

// A denied listing is a failure of the set: list_denied, exit 3, and no
// file starts without its decision.
func TestListDenied(t *testing.T) {
	dir := files(t, time.Now(), "a", "b")
	f := newFake()
	f.listErr = sdkErr("ListObjectsV2", 403, "AccessDenied")
	s, _, _ := collect(t, f, Options{Root: dir, Prefix: "p/", Skip: SkipSync, Lister: f, Principal: "arn:aws:iam::111122223333:user/u"})
	var d *diagnose.Diagnosis
	if !errors.As(s.Err, &d) || d.Code != diagnose.ListDenied || !strings.Contains(d.Remedy, "arn:aws:s3:::b") {
		t.Fatalf("set error %v", s.Err)
	}
	if s.Count(NotStarted) != 2 || len(f.puts) != 0 || ExitCode(s, 0) != ExitDiagnosed {
		t.Errorf("summary %+v, puts %v", s, f.puts)
	}
	f.listErr = sdkErr("ListObjectsV2", 503, "SlowDown")
	if s, _, _ := collect(t, f, Options{Root: dir, Skip: SkipSync, Lister: f}); ExitCode(s, 0) != ExitTransient {
		t.Errorf("throttled listing: exit %d", ExitCode(s, 0))
	}
}

// The exit code ranks: signal, permanent, transient, other, ok.
func TestExitCode(t *testing.T) {
	with := func(f func(*Summary)) Summary {
		var s Summary
		f(&s)
		return s
	}
	tests := []struct {
		name  string
		s     Summary
		signo int
		want  int
	}{
		{"empty", Summary{}, 0, 0},
		{"all ok and existing", with(func(s *Summary) { s.ByClass[OK], s.ByClass[Skipped], s.Existing = 3, 2, 2 }), 0, 0},
		{"a special file skipped", with(func(s *Summary) { s.ByClass[Skipped] = 1 }), 0, 1},
		{"failed other", with(func(s *Summary) { s.ByClass[Failed] = 1 }), 0, 1},
		{"interrupted without a signal", with(func(s *Summary) { s.ByClass[Interrupted] = 1 }), 0, 1},
		{"transient beats other", with(func(s *Summary) { s.ByClass[Failed], s.ByClass[FailedTransient] = 1, 1 }), 0, 4},
		{"permanent beats transient", with(func(s *Summary) { s.ByClass[FailedTransient], s.ByClass[FailedPermanent] = 1, 1 }), 0, 3},
		{"cancelled and not started change nothing", with(func(s *Summary) { s.ByClass[Cancelled], s.ByClass[NotStarted] = 1, 5 }), 0, 0},
		{"SIGINT beats all", with(func(s *Summary) { s.ByClass[FailedPermanent] = 1 }), 2, 130},
		{"SIGTERM", Summary{}, 15, 143},
		{"a denied listing", Summary{Err: &diagnose.Diagnosis{Code: diagnose.ListDenied}}, 0, 3},
		{"a throttled listing", Summary{Err: sdkErr("ListObjectsV2", 503, "SlowDown")}, 0, 4},
		{"a listing failing otherwise", Summary{Err: errors.New("x")}, 0, 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.s, tt.signo); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

// A file as Root is a set of one, to Prefix as its whole key.
func TestSetOfOne(t *testing.T) {
	dir := files(t, time.Now(), "f.bin")
	f := newFake()
	s, res, _ := collect(t, f, Options{Root: filepath.Join(dir, "f.bin"), Prefix: "backups/f.bin"})
	if r := res[""]; r.Class != OK || r.Key != "backups/f.bin" || r.Upload.Size != int64(len("f.bin")) {
		t.Fatalf("%+v", r)
	}
	if s.Entries != 1 || !slices.Equal(f.puts, []string{"backups/f.bin"}) || ExitCode(s, 0) != ExitOK {
		t.Errorf("summary %+v, puts %v", s, f.puts)
	}
}
