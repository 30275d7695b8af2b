//go:build !unix

package walk

import (
	"io/fs"
	"path/filepath"
)

// dirID identifies a directory by its path with every symlink resolved,
// where there are no inode numbers to compare.
type dirID struct{ path string }

func idOf(path string, _ fs.FileInfo) dirID {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return dirID{path: p}
	}
	return dirID{path: path}
}
