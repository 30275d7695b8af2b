package walk

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree builds a directory from specs: "f:path" a file, "d:path" a
// directory, "l:path>target" a symlink, "p:path" a FIFO, "s:path" a unix
// socket. Paths are relative to the returned root; a target starting with
// "/OUT" is under a second directory outside the root.
func tree(t *testing.T, specs ...string) (root, out string) {
	t.Helper()
	base := t.TempDir()
	root, out = filepath.Join(base, "root"), filepath.Join(base, "out")
	for _, d := range []string{root, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range specs {
		kind, rest, _ := strings.Cut(s, ":")
		path, target, _ := strings.Cut(rest, ">")
		p := filepath.Join(root, path)
		if strings.HasPrefix(path, "/OUT/") {
			p = filepath.Join(out, strings.TrimPrefix(path, "/OUT/"))
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch kind {
		case "f":
			err = os.WriteFile(p, []byte(path), 0o644)
		case "d":
			err = os.MkdirAll(p, 0o755)
		case "l":
			if rest, ok := strings.CutPrefix(target, "/OUT"); ok {
				target = out + rest
			}
			err = os.Symlink(target, p)
		case "p":
			err = syscall.Mkfifo(p, 0o644)
		case "s":
			var l net.Listener
			if l, err = net.Listen("unix", p); err == nil {
				t.Cleanup(func() { l.Close() })
			}
		default:
			t.Fatalf("bad spec %q", s)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root, out
}

// listing is entries as "kind rel" lines, for comparison.
func listing(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Kind.String()+" "+e.Rel)
	}
	return out
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name   string
		specs  []string
		filter Filter
		noLink bool
		want   []string
	}{
		{
			name:  "in S3's key order (a directory sorts as its name and '/'), empty directories leave nothing",
			specs: []string{"f:b.txt", "f:a/z.txt", "f:a/c/d.bin", "d:empty", "f:a.txt"},
			want:  []string{"regular a.txt", "regular a/c/d.bin", "regular a/z.txt", "regular b.txt"},
		},
		{
			name:  "UTF-8 byte order of the whole key: a-b and a.txt before a/x, a0 after it",
			specs: []string{"f:a/x", "f:a-b", "f:a.txt", "f:a0", "f:A", "f:é", "f:z", "f:a/b/c", "f:a/b-c", "f:a/b.d"},
			want:  []string{"regular A", "regular a-b", "regular a.txt", "regular a/b-c", "regular a/b.d", "regular a/b/c", "regular a/x", "regular a0", "regular z", "regular é"},
		},
		{
			name:  "a followed symlink to a directory sorts as a directory",
			specs: []string{"f:/OUT/t/f", "l:l>/OUT/t", "f:l.txt", "f:l0"},
			want:  []string{"regular l.txt", "regular l/f", "regular l0"},
		},
		{
			name:   "exclude all, include *.txt: * crosses /",
			specs:  []string{"f:a.txt", "f:b.log", "f:sub/c.txt", "f:sub/d.log"},
			filter: Filter{Exclude("*"), Include("*.txt")},
			want:   []string{"regular a.txt", "regular sub/c.txt"},
		},
		{
			name:   "the last matching rule wins",
			specs:  []string{"f:a.txt", "f:b.log"},
			filter: Filter{Include("*.txt"), Exclude("*")},
			want:   nil,
		},
		{
			name:   "exclude a directory's files; the directory is still walked for the others",
			specs:  []string{"f:sub/a.txt", "f:sub/deep/b.txt", "f:top.txt"},
			filter: Filter{Exclude("sub/deep/*")},
			want:   []string{"regular sub/a.txt", "regular top.txt"},
		},
		{
			name:   "? and sets",
			specs:  []string{"f:log1", "f:log2", "f:log10", "f:logx"},
			filter: Filter{Exclude("*"), Include("log[0-9]"), Exclude("log?0")},
			want:   []string{"regular log1", "regular log2"},
		},
		{
			name:   "patterns are relative to the root, not to any directory",
			specs:  []string{"f:a.txt", "f:sub/a.txt"},
			filter: Filter{Exclude("a.txt")},
			want:   []string{"regular sub/a.txt"},
		},
		{
			name:  "symlinks followed: files and directories, keys under the link's name",
			specs: []string{"f:/OUT/x.bin", "f:/OUT/dir/y.bin", "l:lf>/OUT/x.bin", "l:ld>/OUT/dir", "f:real.bin"},
			want:  []string{"regular ld/y.bin", "regular lf", "regular real.bin"},
		},
		{
			name:   "symlinks not followed: left out",
			specs:  []string{"f:/OUT/x.bin", "f:/OUT/dir/y.bin", "l:lf>/OUT/x.bin", "l:ld>/OUT/dir", "f:real.bin"},
			noLink: true,
			want:   []string{"regular real.bin"},
		},
		{
			name:  "a loop back to the root and to itself: reported once each, files listed once",
			specs: []string{"f:a.bin", "f:sub/b.bin", "l:sub/up>..", "l:self>."},
			want:  []string{"regular a.bin", "loop self", "regular sub/b.bin", "loop sub/up"},
		},
		{
			name:   "loops are not followed without --follow-symlinks",
			specs:  []string{"f:a.bin", "l:sub/up>.."},
			noLink: true,
			want:   []string{"regular a.bin"},
		},
		{
			name:  "the same directory through two links is not a loop",
			specs: []string{"f:/OUT/d/x.bin", "l:one>/OUT/d", "l:two>/OUT/d"},
			want:  []string{"regular one/x.bin", "regular two/x.bin"},
		},
		{
			name:  "a loop through a directory outside the root",
			specs: []string{"d:/OUT/d", "l:/OUT/d/back>/OUT/d", "l:in>/OUT/d", "f:a.bin"},
			want:  []string{"regular a.bin", "loop in/back"},
		},
		{
			name:  "special files listed, dangling symlink broken",
			specs: []string{"f:a.bin", "p:fifo", "s:sock", "l:gone>nowhere"},
			want:  []string{"regular a.bin", "special fifo", "broken gone", "special sock"},
		},
		{
			name:   "excluded special files and dangling links are left out silently",
			specs:  []string{"f:a.bin", "p:fifo", "l:gone>nowhere"},
			filter: Filter{Exclude("fifo"), Exclude("gone")},
			want:   []string{"regular a.bin"},
		},
		{
			name:  "a symlink to a FIFO is special",
			specs: []string{"p:/OUT/fifo", "l:lp>/OUT/fifo"},
			want:  []string{"special lp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, _ := tree(t, tt.specs...)
			got, err := walkWithin(t, root, Options{Filter: tt.filter, NoFollowSymlinks: tt.noLink})
			if err != nil {
				t.Fatal(err)
			}
			if l := listing(got); !slices.Equal(l, tt.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(l, "\n  "), strings.Join(tt.want, "\n  "))
			}
			for _, e := range got {
				if e.Path != filepath.Join(root, filepath.FromSlash(e.Rel)) {
					t.Errorf("%s: Path %s, want the root joined with Rel", e.Rel, e.Path)
				}
				if (e.Kind == Regular) == (e.Err != nil) {
					t.Errorf("%s: kind %s with Err %v", e.Rel, e.Kind, e.Err)
				}
			}
		})
	}
}

// walkWithin runs Walk with a deadline: a walk that opened a FIFO would
// block forever.
func walkWithin(t *testing.T, root string, o Options) ([]Entry, error) {
	t.Helper()
	type res struct {
		es  []Entry
		err error
	}
	ch := make(chan res, 1)
	go func() {
		es, err := Walk(root, o)
		ch <- res{es, err}
	}()
	select {
	case r := <-ch:
		return r.es, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("Walk blocked (did it open a FIFO?)")
		return nil, nil
	}
}

func TestWalkEntryDetails(t *testing.T) {
	root, _ := tree(t, "f:a.bin", "p:fifo")
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(root, "a.bin"), when, when); err != nil {
		t.Fatal(err)
	}
	es, err := walkWithin(t, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := es[0]; a.Size != int64(len("a.bin")) || !a.ModTime.Equal(when) {
		t.Errorf("a.bin: size %d mtime %v, want %d and %v", a.Size, a.ModTime, len("a.bin"), when)
	}
	if f := es[1]; f.Mode&fs.ModeNamedPipe == 0 || !strings.Contains(f.Err.Error(), "named pipe") {
		t.Errorf("fifo: mode %v, err %v", f.Mode, f.Err)
	}
}

func TestWalkRoot(t *testing.T) {
	root, _ := tree(t, "f:file")
	if _, err := Walk(filepath.Join(root, "file"), Options{}); !errors.Is(err, ErrNotDir) {
		t.Errorf("a file as root: %v, want ErrNotDir", err)
	}
	if _, err := Walk(filepath.Join(root, "missing"), Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing root: %v, want ErrNotExist", err)
	}
	// A symlink as the root is followed even without following symlinks.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	es, err := Walk(link, Options{NoFollowSymlinks: true})
	if err != nil || len(es) != 1 || es[0].Rel != "file" {
		t.Errorf("root through a symlink: %v, %v", listing(es), err)
	}
}

// An unreadable directory is reported and the walk goes on. Root reads
// any directory whatever its mode, so this runs only as another user.
func TestWalkUnreadableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read a directory of mode 000")
	}
	root, _ := tree(t, "f:closed/x.bin", "f:open.bin")
	closed := filepath.Join(root, "closed")
	if err := os.Chmod(closed, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(closed, 0o755)
	es, err := Walk(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l := listing(es); !slices.Equal(l, []string{"unreadable directory closed", "regular open.bin"}) {
		t.Fatalf("got %v", l)
	}
}

func TestOpen(t *testing.T) {
	root, _ := tree(t, "f:a.bin", "p:fifo", "d:dir")
	tests := []struct {
		name string
		want error
	}{
		{"a.bin", nil},
		{"fifo", ErrNotRegular},
		{"dir", ErrNotRegular},
		{"missing", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				var f *os.File
				if f, _, err = Open(filepath.Join(root, tt.name)); err == nil {
					f.Close()
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Open blocked")
			}
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Open(%s): %v, want %v", tt.name, err, tt.want)
			}
		})
	}
}

func TestFilterIncluded(t *testing.T) {
	tests := []struct {
		filter Filter
		path   string
		want   bool
	}{
		{nil, "anything", true},
		{Filter{Exclude("*")}, "a", false},
		{Filter{Exclude("*"), Include("*.txt")}, "d/a.txt", true},
		{Filter{Exclude("*"), Include("*.txt")}, "d/a.log", false},
		{Filter{Include("*.txt"), Exclude("*")}, "a.txt", false},
		{Filter{Exclude("*.log"), Include("keep.log")}, "keep.log", true},
		{Filter{Exclude("*.log"), Include("keep.log")}, "d/keep.log", false}, // only "*.log" matches: patterns are anchored at the root
		{Filter{Exclude("*.log"), Include("keep.log")}, "d/drop.log", false}, // excluded by the only match
		{Filter{Include("*.txt")}, "a.log", true},                            // no exclude: everything stays
	}
	for _, tt := range tests {
		if got := tt.filter.Included(tt.path); got != tt.want {
			var rules []string
			for _, r := range tt.filter {
				rules = append(rules, map[bool]string{true: "--exclude ", false: "--include "}[r.Exclude]+r.Pattern.String())
			}
			t.Errorf("%v: Included(%q) = %v, want %v", rules, tt.path, got, tt.want)
		}
	}
}
