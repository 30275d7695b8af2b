package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/upload"
)

// The engine's upload.NetworkListener events: a request waiting for the
// network before trying again. --json prints a network_wait line
// (docs/json-events.md); the terminal bar prints a line above itself.

type networkWaitEvent struct {
	Event     string `json:"event"`            // "network_wait"
	Source    string `json:"source,omitempty"` // cp --recursive: the file, relative to DIR
	Operation string `json:"operation"`
	Part      int32  `json:"part"`    // 0 for other operations than UploadPart
	Attempt   int    `json:"attempt"` // the attempt that failed
	Reason    string `json:"reason"`
	Stalled   bool   `json:"stalled"`
	// RetryAt is when the next attempt starts, GivesUpAt when the retry
	// window closes (RFC 3339, UTC, milliseconds).
	RetryAt   string `json:"retry_at"`
	GivesUpAt string `json:"gives_up_at"`
}

func newNetworkWaitEvent(source string, w upload.NetworkWait) networkWaitEvent {
	return networkWaitEvent{Event: "network_wait", Source: source, Operation: w.Operation, Part: w.Part,
		Attempt: w.Attempt, Reason: w.Reason, Stalled: w.Stalled,
		RetryAt: stamp(w.RetryAt), GivesUpAt: stamp(w.Deadline)}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func (j *jsonEvents) WaitingForNetwork(w upload.NetworkWait) {
	j.emit(newNetworkWaitEvent("", w))
}

func (ls listeners) WaitingForNetwork(w upload.NetworkWait) {
	for _, l := range ls {
		if nl, ok := l.(upload.NetworkListener); ok {
			nl.WaitingForNetwork(w)
		}
	}
}

func (l fileListener) WaitingForNetwork(w upload.NetworkWait) {
	l.listeners.WaitingForNetwork(w)
	l.events.emit(newNetworkWaitEvent(l.source, w))
}

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

var lastBarWait sync.Map // *barListener -> time.Time

func (b *barListener) WaitingForNetwork(w upload.NetworkWait) {
	now := time.Now()
	if last, ok := lastBarWait.Load(b); ok && now.Sub(last.(time.Time)) < barWaitEvery {
		return
	}
	lastBarWait.Store(b, now)
	if b.bar != nil {
		_ = b.bar.Clear()
	}
	fmt.Fprintln(b.w, waitLine(w))
}
