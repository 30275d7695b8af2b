//go:build unix

package checksum

import (
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
)

// sumMapped hashes n bytes of f at off through a read-only mapping. done
// is false when mapping is not possible (the caller reads instead).
//
// A file truncated while mapped faults on access (SIGBUS); SetPanicOnFault
// turns that into a panic in this goroutine, recovered here as an error, so
// a shrinking source is reported, not a crash.
func sumMapped(a Algorithm, f *os.File, off, n int64) (sum []byte, err error, done bool) {
	if n == 0 {
		return a.New().Sum(nil), nil, true
	}
	page := int64(os.Getpagesize())
	start := off - off%page
	length := n + (off - start)
	if length != int64(int(length)) {
		return nil, nil, false
	}
	m, merr := syscall.Mmap(int(f.Fd()), start, int(length), syscall.PROT_READ, syscall.MAP_SHARED)
	if merr != nil {
		return nil, nil, false
	}
	defer syscall.Munmap(m)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			sum, err, done = nil, fmt.Errorf("reading %s: the file changed (shrank?) while it was read: %v", f.Name(), r), true
		}
	}()
	h := a.New()
	h.Write(m[off-start:])
	return h.Sum(nil), nil, true
}
