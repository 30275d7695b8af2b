//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package journal

import "os"

// Elsewhere journals do not lock (flock_other.go), so resumable uploads
// are off; these keep the package building.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, errLink
	}
	return os.OpenFile(path, flag, perm)
}

var errLink = &os.PathError{Op: "open", Err: os.ErrInvalid}

func isLoop(err error) bool      { return err == errLink }
func unsafeFile(*os.File) string { return "" }
func unsafeDir(string) error     { return nil }
