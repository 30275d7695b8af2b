//go:build unix

package walk

import (
	"os"
	"syscall"
)

// openNoBlock opens read-only with O_NONBLOCK: a FIFO opens at once
// instead of waiting for a writer. On a regular file the flag changes
// nothing (reads of regular files never return EAGAIN).
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
