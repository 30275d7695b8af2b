//go:build unix

package checksum

import (
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
)

// mapWindow is how much of a file is mapped at a time, and the alignment
// of the windows. Mapped file pages count in the process's RSS while
// mapped, so a window keeps that to a window per part in flight. 2 MiB
// windows on 2 MiB boundaries hash at ~27 GB/s here, like mapping a whole
// part, against ~11 at 1 MiB and ~9 reading the bytes out: the kernel maps
// the page cache's large folios whole (BenchmarkMapWindow). A variable for
// that benchmark.
var mapWindow int64 = 2 << 20

// mapFlags are extra mmap flags (the benchmark compares MAP_POPULATE: it
// did not help).
var mapFlags = 0

// sumMapped hashes n bytes of f at off through read-only mappings. done
// is false when mapping is not possible (the caller reads instead).
//
// A file truncated while mapped faults on access (SIGBUS); SetPanicOnFault
// turns that into a panic in this goroutine, recovered here as an error, so
// a shrinking source is reported, not a crash.
func sumMapped(a Algorithm, f *os.File, off, n int64) (sum []byte, err error, done bool) {
	h := a.New()
	if n == 0 {
		return h.Sum(nil), nil, true
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			sum, err, done = nil, fmt.Errorf("reading %s: the file changed (shrank?) while it was read: %v", f.Name(), r), true
		}
	}()
	for pos, end := off, off+n; pos < end; {
		start := pos - pos%mapWindow
		stop := min(start+mapWindow, end)
		m, merr := syscall.Mmap(int(f.Fd()), start, int(stop-start), syscall.PROT_READ, syscall.MAP_SHARED|mapFlags)
		if merr != nil {
			if pos == off {
				return nil, nil, false // not mappable: read instead
			}
			return nil, fmt.Errorf("mapping %s: %w", f.Name(), merr), true
		}
		h.Write(m[pos-start:])
		syscall.Munmap(m)
		pos = stop
	}
	return h.Sum(nil), nil, true
}
