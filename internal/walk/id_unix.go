//go:build unix

package walk

import (
	"io/fs"
	"syscall"
)

// dirID identifies a directory however it was reached: its device and
// inode, so a symlink back to an ancestor (or a bind mount of one) is seen
// as the same directory. The conversions are there because Stat_t's field
// types differ between systems.
type dirID struct{ dev, ino uint64 }

func idOf(_ string, fi fs.FileInfo) dirID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return dirID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return dirID{}
}
