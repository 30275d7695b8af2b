package main

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// A read of standard input waiting on an idle pipe ends at the signal; data
// that came before it is read as usual.
func TestInterruptibleStdin(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	old := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = old; pr.Close() }()

	stop := make(chan struct{})
	r, restore := interruptibleStdin(stop)
	defer restore()
	if _, err := pw.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := r.Read(buf); n != 3 || err != nil {
		t.Fatalf("read %d %v", n, err)
	}
	readErr := make(chan error, 1)
	go func() { _, err := r.Read(buf); readErr <- err }()
	time.Sleep(50 * time.Millisecond)
	close(stop)
	select {
	case err := <-readErr:
		if !errors.Is(err, errStdinStopped) {
			t.Fatalf("read ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read did not end at the signal")
	}
}

// The goroutine reader, for terminals: the same promise.
func TestStopReader(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	stop := make(chan struct{})
	r := &stopReader{r: pr, stop: stop, res: make(chan readResult, 1)}
	go pw.Write([]byte("xy"))
	buf := make([]byte, 4)
	if n, err := r.Read(buf); n != 2 || err != nil || string(buf[:2]) != "xy" {
		t.Fatalf("read %d %q %v", n, buf[:n], err)
	}
	done := make(chan error, 1)
	go func() { _, err := r.Read(buf); done <- err }()
	time.Sleep(20 * time.Millisecond)
	close(stop)
	select {
	case err := <-done:
		if !errors.Is(err, errStdinStopped) {
			t.Fatalf("read ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read did not end at the signal")
	}
}
