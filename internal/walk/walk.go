package walk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Options configure Walk.
type Options struct {
	Filter Filter
	// NoFollowSymlinks leaves symlinks out (files and directories alike),
	// as the aws CLI's --no-follow-symlinks. The root itself is always
	// followed: the user named it.
	NoFollowSymlinks bool
}

// ErrNotDir is the error for a root that is not a directory.
var ErrNotDir = errors.New("not a directory")

// Walk lists the tree under root, depth first, each directory's names in
// sorted order. Filters apply to files (regular, special, dangling
// symlinks): an excluded one is left out without a word. Directories are
// always descended into, since a rule may select files below one it does
// not match; a directory that cannot be read or that loops is reported
// whatever the rules, since what it holds cannot be known.
//
// The error is only for the root: missing, not a directory (ErrNotDir), or
// unreadable. Problems below it are Broken or Loop entries.
func Walk(root string, o Options) ([]Entry, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: %w", root, ErrNotDir)
	}
	w := &walker{o: o}
	if err := w.dir(root, "", []dirID{idOf(root, fi)}, true); err != nil {
		return nil, err
	}
	return w.out, nil
}

type walker struct {
	o   Options
	out []Entry
}

// dir lists one directory. ancestors are the directories from the root
// down to this one, itself included.
func (w *walker) dir(path, rel string, ancestors []dirID, root bool) error {
	des, err := os.ReadDir(path)
	if err != nil {
		if root {
			return err
		}
		// ReadDir returns what it read before the error: list that too.
		w.out = append(w.out, Entry{Rel: rel, Path: path, Kind: Broken, Err: err})
	}
	for _, de := range des {
		name := de.Name()
		r := name
		if rel != "" {
			r = rel + "/" + name
		}
		w.entry(filepath.Join(path, name), r, de, ancestors)
	}
	return nil
}

func (w *walker) entry(path, rel string, de fs.DirEntry, ancestors []dirID) {
	if de.Type()&fs.ModeSymlink == 0 {
		fi, err := de.Info() // lstat: never opens the file
		if err != nil {
			w.file(Entry{Rel: rel, Path: path, Kind: Broken, Err: err})
			return
		}
		w.node(path, rel, fi, ancestors)
		return
	}
	if w.o.NoFollowSymlinks {
		return
	}
	fi, err := os.Stat(path) // follows the link; still never opens it
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			target, _ := os.Readlink(path)
			err = fmt.Errorf("dangling symlink to %s", target)
		}
		w.file(Entry{Rel: rel, Path: path, Kind: Broken, Err: err})
		return
	}
	w.node(path, rel, fi, ancestors)
}

// node handles what a path is (after following a symlink).
func (w *walker) node(path, rel string, fi fs.FileInfo, ancestors []dirID) {
	switch {
	case fi.IsDir():
		id := idOf(path, fi)
		if slices.Contains(ancestors, id) {
			w.out = append(w.out, Entry{Rel: rel, Path: path, Kind: Loop,
				Err: errors.New("symlink loop: this directory is one of its own ancestors")})
			return
		}
		_ = w.dir(path, rel, append(ancestors[:len(ancestors):len(ancestors)], id), false)
	case fi.Mode().IsRegular():
		w.file(Entry{Rel: rel, Path: path, Kind: Regular, Size: fi.Size(), ModTime: fi.ModTime()})
	default:
		w.file(Entry{Rel: rel, Path: path, Kind: Special, Mode: fi.Mode().Type(),
			Err: fmt.Errorf("%s, not a regular file", TypeName(fi.Mode()))})
	}
}

// file adds a non-directory entry the filter selects.
func (w *walker) file(e Entry) {
	if w.o.Filter.Included(e.Rel) {
		w.out = append(w.out, e)
	}
}
