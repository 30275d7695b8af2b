package tree

import (
	"fmt"
	"unicode/utf8"

	"github.com/uploader-dev/uploader/internal/walk"
)

// Entry is one path the walk found: Rel (relative to the root,
// '/'-separated), Path (to open), Kind, and for a regular file its Size
// and ModTime; Err says what went wrong for Loop, Broken and
// UnreadableDir, and what a
// Special file is.
type Entry = walk.Entry

// Kind says what an Entry is.
type Kind = walk.Kind

// The kinds of entries.
const (
	Regular = walk.Regular // a regular file (or a followed symlink to one): uploaded
	Special = walk.Special // a FIFO, socket or device: skipped, never opened
	Loop    = walk.Loop    // a symlinked directory leading back to an ancestor: not descended
	Broken  = walk.Broken  // could not be examined (a dangling symlink, a file that cannot be stat'ed)
	// UnreadableDir is a directory that could not be read: not a file, so
	// no FileResult; Options.OnUnreadableDir hears of it and
	// Summary.UnreadableDirs counts it.
	UnreadableDir = walk.UnreadableDir
)

// Rule is one include or exclude pattern (Python fnmatch: '*' matches '/'
// too), in command-line order: the last rule that matches a path decides,
// and a path no rule matches is included.
type Rule = walk.Rule

// Include and Exclude make rules.
func Include(pattern string) Rule { return walk.Include(pattern) }

// Exclude makes an exclude rule; see Include.
func Exclude(pattern string) Rule { return walk.Exclude(pattern) }

// WalkOptions select the files of the tree.
type WalkOptions struct {
	Rules []Rule
	// NoFollowSymlinks leaves symlinks out (files and directories alike);
	// the root itself is always followed.
	NoFollowSymlinks bool
}

func (o WalkOptions) walk() walk.Options {
	return walk.Options{Filter: o.Rules, NoFollowSymlinks: o.NoFollowSymlinks}
}

// Walker yields a tree's entries one at a time in S3's key order (see
// Walk). It is not safe for concurrent use.
type Walker = walk.Walker

// Walk starts a streaming walk of root: Next returns its entries in the
// UTF-8 byte order of their relative paths, a directory sorting as its
// name and a '/' (so "a-b" and "a.txt" come before "a/x"), which is the
// order S3 lists their keys in under any prefix. It holds one directory's
// names per level of depth. The error is a *SourceError, for the root
// only.
func Walk(root string, o WalkOptions) (*Walker, error) {
	w, err := walk.New(root, o.walk())
	if err != nil {
		return nil, &SourceError{Root: root, Err: err}
	}
	return w, nil
}

// SourceError is a root that cannot be walked: missing, not a directory,
// unreadable.
type SourceError struct {
	Root string
	Err  error
}

func (e *SourceError) Error() string { return fmt.Sprintf("source %s: %v", e.Root, e.Err) }
func (e *SourceError) Unwrap() error { return e.Err }

// Totals are what a counting pass found, counted as Run's Summary counts
// the same walk: Files, the regular files (to upload; one whose key S3
// refuses fails on its own), their bytes, the largest with a valid key
// (for a preflight that plans as the set's biggest upload); Other, the
// entries that are not regular files (special files, loops, broken
// paths); UnreadableDirs, the directories that could not be read.
type Totals struct {
	Files          int
	Bytes          int64
	Largest        Entry // Rel "" when there are no files
	Other          int
	UnreadableDirs int
}

// Count walks the tree once without keeping it, for totals before a set
// starts (a progress bar, files_total, the preflight's largest file).
// prefix is the key prefix, for the key checks.
func Count(root, prefix string, o WalkOptions) (Totals, error) {
	w, err := Walk(root, o)
	if err != nil {
		return Totals{}, err
	}
	var t Totals
	for e, ok := w.Next(); ok; e, ok = w.Next() {
		switch e.Kind {
		case Regular:
			t.Files++
			t.Bytes += e.Size
			if CheckKey(prefix+e.Rel) == nil && (t.Largest.Rel == "" || e.Size > t.Largest.Size) {
				t.Largest = e
			}
		case UnreadableDir:
			t.UnreadableDirs++
		default:
			t.Other++
		}
	}
	return t, nil
}

// CheckKey refuses keys S3 cannot store: S3 keys are UTF-8, at most 1024
// bytes. Such a file fails on its own (Failed); the others go on.
func CheckKey(key string) error {
	switch {
	case !utf8.ValidString(key):
		return fmt.Errorf("its key %q is not valid UTF-8, which S3 requires: rename the file", key)
	case len(key) > 1024:
		return fmt.Errorf("its key is %d bytes long; S3 takes at most 1024: use a shorter prefix or path", len(key))
	}
	return nil
}
