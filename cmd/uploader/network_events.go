package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/upload"
)

// The engine's upload.NetworkListener events: a request waiting for the
// network before trying again. --json prints a network_wait line
// (events.go); the terminal bar prints a line above itself.

// waitLine is the human line: "waiting for the network (part 3: the
// connection ... stalled ...); trying again in 2s, until 12:04:05".
func waitLine(w upload.NetworkWait) string {
	what := w.Operation
	if w.Part > 0 {
		what = fmt.Sprintf("part %d", w.Part)
	}
	kind := "no answer"
	if w.Stalled {
		kind = "stalled"
	}
	return fmt.Sprintf("waiting for the network (%s, %s: %s); trying again in %s, giving up at %s",
		what, kind, w.Reason, time.Until(w.RetryAt).Round(100*time.Millisecond), w.Deadline.Local().Format("15:04:05"))
}

// barWaitEvery keeps an outage from scrolling the terminal: every part
// waits, again and again; one line every few seconds says it.
const barWaitEvery = 5 * time.Second

// waitLines prints the wait lines above a bar, one every barWaitEvery at
// most. The file's bar and the set's bar each have one.
type waitLines struct {
	mu   sync.Mutex
	last time.Time
}

// due reports whether a line may be printed now, and if so counts it.
func (t *waitLines) due(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.last.IsZero() && now.Sub(t.last) < barWaitEvery {
		return false
	}
	t.last = now
	return true
}

func (b *barListener) WaitingForNetwork(w upload.NetworkWait) {
	if !b.waits.due(time.Now()) {
		return
	}
	b.clear()
	fmt.Fprintln(b.w, waitLine(w))
}

func (b *setBar) WaitingForNetwork(w upload.NetworkWait) {
	if !b.waits.due(time.Now()) {
		return
	}
	b.clear()
	fmt.Fprintln(b.w, waitLine(w))
}
