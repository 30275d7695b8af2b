//go:build unix

package source

import (
	"os"
	"syscall"
)

// openNonBlocking opens with O_NONBLOCK, so that even a FIFO swapped in
// after the stat cannot hold the open, then clears the flag: reads of a
// regular file never block on it anyway, and the file is handed on as a
// plain blocking one.
func openNonBlocking(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
