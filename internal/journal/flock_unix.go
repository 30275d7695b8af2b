//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package journal

import (
	"errors"
	"os"
	"syscall"
)

var errWouldBlock = syscall.EWOULDBLOCK

// tryFlock takes an exclusive flock without waiting. flock (not fcntl)
// locks belong to the open file, so closing any other descriptor of the same
// file in this process does not drop them; close-on-exec (Go's default)
// keeps them from leaking into children.
func tryFlock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
