//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package journal

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, uint32(perm.Perm()))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}

// isLoop: O_NOFOLLOW on a link fails with ELOOP (EMLINK on FreeBSD,
// EFTYPE on NetBSD; ELOOP covers the platforms we test).
func isLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

// unsafeFile says why f is not a plain file of this user's, "" if it is.
func unsafeFile(f *os.File) string {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return "could not be checked (" + err.Error() + ")"
	}
	switch {
	case st.Mode&syscall.S_IFMT != syscall.S_IFREG:
		return "is not a regular file"
	case int(st.Uid) != os.Geteuid():
		return fmt.Sprintf("belongs to another user (uid %d)", st.Uid)
	case st.Nlink != 1:
		return fmt.Sprintf("has %d hard links", st.Nlink)
	}
	return ""
}

// unsafeDir refuses a state folder that other users can write, as ssh
// refuses a ~/.ssh others can write: they could plant or replace files
// there. A folder owned by another user than this one or root is refused
// too. The sticky bit does not help: it stops others from removing our
// files, not from creating their own under the names we will use.
func unsafeDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	switch {
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("journal: the state folder %s can be written by other users (mode %04o): they could plant links to files this user can write; run chmod go-w %q, or use a folder of your own (--state-dir)", dir, fi.Mode().Perm(), dir)
	case int(st.Uid) != os.Geteuid() && st.Uid != 0:
		return fmt.Errorf("journal: the state folder %s belongs to another user (uid %d): use a folder of your own (--state-dir)", dir, st.Uid)
	}
	return nil
}
