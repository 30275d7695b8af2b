package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

// The first signal's grace. Parts in flight are nearly done work: a part
// cancelled is sent again from its first byte by the rerun. So after the
// first Ctrl-C they may finish while they make progress, up to a bound:
//
//   - no byte sent for graceIdleLimit (a stalled link, a server that
//     stopped answering): cancelled;
//   - SIGINT: at most graceBoundINT in all, which a part on a slow link
//     (a 16 MiB part at 1 MiB/s) fits in;
//   - SIGTERM: at most graceBoundTERM, under the 10 s after which `docker
//     stop` sends SIGKILL by default (systemd waits 90 s).
//
// A second signal cancels at once.
const (
	graceIdleLimit = 10 * time.Second
	graceBoundINT  = 2 * time.Minute
	graceBoundTERM = 8 * time.Second
	graceTick      = 250 * time.Millisecond
	graceTellEvery = 5 * time.Second
)

// graceBound is how long the first sig may wait for the parts in flight.
func graceBound(sig os.Signal) time.Duration {
	if sig == syscall.SIGTERM {
		return graceBoundTERM
	}
	return graceBoundINT
}

// grace is the wait after the first signal: a pure state machine over
// the uploader's InFlight, stepped by the interrupter's ticker.
type grace struct {
	sig       os.Signal
	start     time.Time
	bound     time.Duration
	startLeft int64     // bytes left in flight at the signal
	lastLeft  int64     // at the previous step
	lastMove  time.Time // when bytes last went out
	lastTold  time.Time
	ended     stopKind // graceOver or graceIdle, once it ends
}

func newGrace(sig os.Signal, now time.Time, f upload.InFlight) *grace {
	return &grace{sig: sig, start: now, bound: graceBound(sig), startLeft: f.BytesLeft, lastLeft: f.BytesLeft, lastMove: now, lastTold: now}
}

// graceWaiting: keep waiting.
const graceWaiting stopKind = -1

// step takes the InFlight at now and says whether the grace goes on
// (graceWaiting) or ends (graceIdle, graceOver). Bytes that went out,
// or a part answered (fewer bytes left either way), count as progress.
func (g *grace) step(now time.Time, f upload.InFlight) stopKind {
	if f.BytesLeft < g.lastLeft || f.Requests == 0 {
		g.lastMove = now
	}
	g.lastLeft = f.BytesLeft
	switch {
	case now.Sub(g.start) >= g.bound:
		g.ended = graceOver
	case now.Sub(g.lastMove) >= graceIdleLimit:
		g.ended = graceIdle
	default:
		return graceWaiting
	}
	return g.ended
}

// opening is the line the first signal prints.
func (g *grace) opening(sig string) string {
	return fmt.Sprintf("%s: no new parts or files start; %s (while they make progress, up to %s; %s again to stop at once)", sig, g.waitingFor(g.start, upload.InFlight{BytesLeft: g.startLeft, Requests: -1}), g.bound, sig)
}

// status is the line said every graceTellEvery while the grace goes on,
// "" between them or when nothing is in flight.
func (g *grace) status(now time.Time, f upload.InFlight) string {
	if f.Requests == 0 || now.Sub(g.lastTold) < graceTellEvery {
		return ""
	}
	g.lastTold = now
	return "still " + g.waitingFor(now, f)
}

// waitingFor says what the grace waits for: "waiting for 3 parts in
// flight, 12.0 MiB left (about 4s at 3.1 MiB/s)". Requests -1: the count
// is not known yet (the opening line).
func (g *grace) waitingFor(now time.Time, f upload.InFlight) string {
	what := "the parts in flight"
	switch {
	case f.Requests == 1:
		what = "1 part in flight"
	case f.Requests > 1:
		what = fmt.Sprintf("%d parts in flight", f.Requests)
	}
	if f.BytesLeft <= 0 {
		return "waiting for " + what + " to be answered"
	}
	s := fmt.Sprintf("waiting for %s, %s left", what, size.Format(f.BytesLeft))
	if el := now.Sub(g.start).Seconds(); el >= 1 && g.startLeft > f.BytesLeft {
		rate := float64(g.startLeft-f.BytesLeft) / el
		eta := time.Duration(float64(f.BytesLeft) / rate * float64(time.Second)).Round(time.Second)
		s += fmt.Sprintf(" (about %s at %s/s)", eta, size.Format(int64(rate)))
	}
	return s
}
