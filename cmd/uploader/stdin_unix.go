//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

var aLongTimeAgo = time.Unix(1, 0)

// pollableStdin puts standard input (a pipe, FIFO or socket) in
// non-blocking mode and returns a duplicate of it that Go's poller waits
// on, so a read deadline can end a wait. The mode belongs to the pipe's
// open file, shared with anything else holding it, so restore sets it back.
func pollableStdin() (*os.File, func(), bool) {
	fd, err := syscall.Dup(int(os.Stdin.Fd()))
	if err != nil {
		return nil, nil, false
	}
	syscall.CloseOnExec(fd)
	growPipe(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, nil, false
	}
	f := os.NewFile(uintptr(fd), "stdin") // non-blocking: registered with the poller
	return f, func() {
		_ = syscall.SetNonblock(fd, false)
		f.Close()
	}, true
}
