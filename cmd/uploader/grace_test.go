package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

// The grace waits while the parts in flight make progress, up to the
// signal's bound, and ends when they stop moving.
func TestGraceWaitsWhileThePartsMove(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	f := func(reqs int, left int64) upload.InFlight { return upload.InFlight{Requests: reqs, BytesLeft: left} }
	type step struct {
		at   time.Duration
		f    upload.InFlight
		want stopKind
	}
	tests := []struct {
		name  string
		sig   os.Signal
		steps []step
	}{
		{"moving parts are waited for past the old 5 s", os.Interrupt, []step{
			{5 * time.Second, f(2, 80), graceWaiting},
			{9 * time.Second, f(2, 60), graceWaiting},
			{18 * time.Second, f(1, 20), graceWaiting},
		}},
		{"no byte out for the idle limit: cancelled", os.Interrupt, []step{
			{2 * time.Second, f(2, 90), graceWaiting},
			{2*time.Second + graceIdleLimit - time.Millisecond, f(2, 90), graceWaiting},
			{2*time.Second + graceIdleLimit, f(2, 90), graceIdle},
		}},
		{"SIGINT: moving, but over the bound", os.Interrupt, []step{
			{graceBoundINT - time.Second, f(1, 10), graceWaiting},
			{graceBoundINT, f(1, 5), graceOver},
		}},
		{"SIGTERM: cancelled before docker's SIGKILL", syscall.SIGTERM, []step{
			{4 * time.Second, f(3, 50), graceWaiting},
			{graceBoundTERM, f(3, 10), graceOver},
		}},
		{"nothing in flight: nothing to give up on", os.Interrupt, []step{
			{30 * time.Second, f(0, 0), graceWaiting},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGrace(tt.sig, t0, f(2, 100))
			for i, s := range tt.steps {
				if got := g.step(at(s.at), s.f); got != s.want {
					t.Fatalf("step %d at %s (%+v): %d, want %d", i, s.at, s.f, got, s.want)
				}
			}
		})
	}
}

// What the grace says: the parts, the bytes left and an estimate, every
// few seconds, not on every tick.
func TestGraceSaysWhatItWaitsFor(t *testing.T) {
	t0 := time.Unix(1000, 0)
	g := newGrace(os.Interrupt, t0, upload.InFlight{Requests: 3, BytesLeft: 30 * size.MiB})
	if open := g.opening("SIGINT"); !strings.Contains(open, "30 MiB left") || !strings.Contains(open, "SIGINT again to stop at once") || !strings.Contains(open, "2m0s") {
		t.Errorf("opening line: %s", open)
	}
	if s := g.status(t0.Add(time.Second), upload.InFlight{Requests: 3, BytesLeft: 25 * size.MiB}); s != "" {
		t.Errorf("status said again within %s: %s", graceTellEvery, s)
	}
	s := g.status(t0.Add(graceTellEvery), upload.InFlight{Requests: 2, BytesLeft: 20 * size.MiB})
	for _, want := range []string{"2 parts in flight", "20 MiB left", "about 10s at 2 MiB/s"} {
		if !strings.Contains(s, want) {
			t.Errorf("status %q lacks %q", s, want)
		}
	}
}

// The interrupter's lines (the grace's opening, each "still waiting")
// blank the progress bar first, as the network-wait lines do: else each
// leaves a stale bar above it, every 5 s.
func TestInterrupterLinesClearTheBar(t *testing.T) {
	var said []string
	in := newInterrupter(context.Background(), func(msg string) { said = append(said, "line: "+msg) })
	defer in.close()
	in.say("before the upload")
	in.watch(nil, func() { said = append(said, "clear") })
	in.say("waiting for 2 parts")
	want := []string{"line: before the upload", "clear", "line: waiting for 2 parts"}
	if !slices.Equal(said, want) {
		t.Errorf("said %q, want %q", said, want)
	}
}
