//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package journal

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

var errWouldBlock = errors.New("would block")

// tryFlock: resumable uploads need flock; elsewhere Lock fails and the
// caller runs without a journal.
func tryFlock(*os.File) error {
	return fmt.Errorf("file locks are not supported on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
