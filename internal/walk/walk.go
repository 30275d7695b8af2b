package walk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options configure a walk.
type Options struct {
	Filter Filter
	// NoFollowSymlinks leaves symlinks out (files and directories alike),
	// as the aws CLI's --no-follow-symlinks. The root itself is always
	// followed: the user named it.
	NoFollowSymlinks bool
}

// ErrNotDir is the error for a root that is not a directory.
var ErrNotDir = errors.New("not a directory")

// Walker yields the entries of a tree one at a time, in the order S3
// lists their keys: the UTF-8 byte order of the whole relative path, so
// "a-b" and "a.txt" come before "a/x" (a directory sorts as its name and
// a '/'). It holds one directory's names per level of depth, never the
// tree: memory is bounded by the largest directory times the depth.
//
// Filters apply to files (regular, special, dangling symlinks): an
// excluded one is left out without a word. Directories are always
// descended into, since a rule may select files below one it does not
// match; a directory that cannot be read or that loops is reported
// whatever the rules, since what it holds cannot be known.
//
// A Walker is not safe for concurrent use.
type Walker struct {
	o     Options
	stack []*frame
}

// frame is one directory being listed: its children in key order.
type frame struct {
	path, rel string
	ancestors []dirID // from the root down to this directory, itself included
	nodes     []node
	next      int
}

// node is one name of a directory, with what is known of it before it
// is yielded: whether it is a directory (for its place in the order) and,
// for a symlink that was followed, its target's metadata.
type node struct {
	name string
	sort string // name, or name + "/" for a directory
	de   fs.DirEntry
	fi   fs.FileInfo // set for a followed symlink (the target) and for directories
	err  error       // a symlink that could not be followed
}

// New starts a walk of root. The error is only for the root: missing, not
// a directory (ErrNotDir), or unreadable. Problems below it are Broken,
// Loop or UnreadableDir entries.
func New(root string, o Options) (*Walker, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w", root, ErrNotDir)
	}
	w := &Walker{o: o}
	f, err := w.open(root, "", []dirID{idOf(root, fi)})
	if err != nil {
		return nil, err
	}
	w.stack = append(w.stack, f)
	return w, nil
}

// Walk lists the whole tree under root at once, in the Walker's order:
// for tests and small trees. Large trees should use New and Next.
func Walk(root string, o Options) ([]Entry, error) {
	w, err := New(root, o)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for {
		e, ok := w.Next()
		if !ok {
			return out, nil
		}
		out = append(out, e)
	}
}

// open reads one directory and sorts its names by their key form. On an
// error it returns what was read (ReadDir returns that) with the error.
func (w *Walker) open(path, rel string, ancestors []dirID) (*frame, error) {
	des, err := os.ReadDir(path)
	f := &frame{path: path, rel: rel, ancestors: ancestors, nodes: make([]node, 0, len(des))}
	for _, de := range des {
		n := node{name: de.Name(), sort: de.Name(), de: de}
		switch {
		case de.Type()&fs.ModeSymlink != 0:
			if w.o.NoFollowSymlinks {
				continue
			}
			n.fi, n.err = os.Stat(filepath.Join(path, n.name)) // follows the link; never opens it
			if n.err == nil && n.fi.IsDir() {
				n.sort += "/"
			}
		case de.IsDir():
			n.sort += "/"
		}
		f.nodes = append(f.nodes, n)
	}
	slices.SortFunc(f.nodes, func(a, b node) int { return strings.Compare(a.sort, b.sort) })
	return f, err
}

// Next returns the next entry; false when the walk is over.
func (w *Walker) Next() (Entry, bool) {
	for len(w.stack) > 0 {
		f := w.stack[len(w.stack)-1]
		if f.next == len(f.nodes) {
			w.stack[len(w.stack)-1] = nil
			w.stack = w.stack[:len(w.stack)-1]
			continue
		}
		n := f.nodes[f.next]
		f.nodes[f.next] = node{} // let the GC have it
		f.next++
		if e, ok := w.node(f, n); ok {
			return e, true
		}
	}
	return Entry{}, false
}

// node turns one name into an entry, or descends into a directory (pushing
// its frame: its entries come next); false when there is nothing to yield
// now.
func (w *Walker) node(f *frame, n node) (Entry, bool) {
	path := filepath.Join(f.path, n.name)
	rel := n.name
	if f.rel != "" {
		rel = f.rel + "/" + n.name
	}
	fi := n.fi
	if n.de.Type()&fs.ModeSymlink != 0 {
		if n.err != nil {
			err := n.err
			if errors.Is(err, fs.ErrNotExist) {
				target, _ := os.Readlink(path)
				err = fmt.Errorf("dangling symlink to %s", target)
			}
			return w.file(Entry{Rel: rel, Path: path, Kind: Broken, Err: err})
		}
	} else {
		var err error
		if fi, err = n.de.Info(); err != nil { // lstat: never opens the file
			return w.file(Entry{Rel: rel, Path: path, Kind: Broken, Err: err})
		}
	}
	switch {
	case fi.IsDir():
		id := idOf(path, fi)
		if slices.Contains(f.ancestors, id) {
			return Entry{Rel: rel, Path: path, Kind: Loop,
				Err: errors.New("symlink loop: this directory is one of its own ancestors")}, true
		}
		child, err := w.open(path, rel, append(f.ancestors[:len(f.ancestors):len(f.ancestors)], id))
		w.stack = append(w.stack, child)
		if err != nil {
			// What ReadDir read before the error is listed too, after it.
			return Entry{Rel: rel, Path: path, Kind: UnreadableDir, Err: err}, true
		}
		return Entry{}, false
	case fi.Mode().IsRegular():
		return w.file(Entry{Rel: rel, Path: path, Kind: Regular, Size: fi.Size(), ModTime: fi.ModTime()})
	default:
		return w.file(Entry{Rel: rel, Path: path, Kind: Special, Mode: fi.Mode().Type(),
			Err: fmt.Errorf("%s, not a regular file", TypeName(fi.Mode()))})
	}
}

// file yields a non-directory entry the filter selects.
func (w *Walker) file(e Entry) (Entry, bool) {
	if w.o.Filter.Included(e.Rel) {
		return e, true
	}
	return Entry{}, false
}
