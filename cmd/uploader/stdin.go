package main

import (
	"errors"
	"io"
	"os"
)

// errStdinStopped ends a read of standard input cut short by a signal.
var errStdinStopped = errors.New("reading standard input stopped by a signal")

// interruptibleStdin returns standard input as a reader whose reads end at
// the first signal (stop closed). A read waiting on an idle pipe or a
// terminal would otherwise hold the upload, and the process, past every
// Ctrl-C: the engine reads the next part before it looks at the stop
// signal. A regular file (cp - < file) never waits and is returned as it
// is. restore undoes what was changed; call it before exiting.
func interruptibleStdin(stop <-chan struct{}) (r io.Reader, restore func()) {
	fi, err := os.Stdin.Stat()
	if err != nil || fi.Mode().IsRegular() {
		return os.Stdin, func() {}
	}
	if fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0 {
		if f, restore, ok := pollableStdin(); ok {
			go func() {
				<-stop
				_ = f.SetReadDeadline(aLongTimeAgo) // ends a read in progress, and every later one
			}()
			return deadlineReader{f}, restore
		}
	}
	// A terminal (or a system without pollable pipes): each read waits in
	// a goroutine of its own, which a signal abandons.
	return &stopReader{r: os.Stdin, stop: stop, res: make(chan readResult, 1)}, func() {}
}

// deadlineReader reports a read ended by the signal as errStdinStopped,
// not as a timeout that might read as a network problem.
type deadlineReader struct{ f *os.File }

func (d deadlineReader) Read(p []byte) (int, error) {
	n, err := d.f.Read(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = errStdinStopped
	}
	return n, err
}

type readResult struct {
	n   int
	err error
}

// stopReader reads through a goroutine, so a signal can end the wait; the
// abandoned read ends with the process. It is not safe for concurrent use
// (the engine reads a stream from one goroutine).
type stopReader struct {
	r       io.Reader
	stop    <-chan struct{}
	res     chan readResult
	buf     []byte
	pending bool
}

func (s *stopReader) Read(p []byte) (int, error) {
	select {
	case <-s.stop:
		return 0, errStdinStopped
	default:
	}
	if !s.pending {
		if cap(s.buf) < len(p) {
			s.buf = make([]byte, len(p))
		}
		buf := s.buf[:len(p)]
		s.pending = true
		go func() {
			n, err := s.r.Read(buf)
			s.res <- readResult{n, err}
		}()
	}
	select {
	case rr := <-s.res:
		s.pending = false
		n := copy(p, s.buf[:rr.n])
		return n, rr.err
	case <-s.stop:
		return 0, errStdinStopped
	}
}
