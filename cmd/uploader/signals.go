package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/uploader-dev/uploader/upload"
)

// signalContext is cancelled by SIGINT or SIGTERM and remembers which. For
// commands that only read (preflight): stopping at once loses nothing.
func signalContext(parent context.Context) (context.Context, func()) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(&signalError{sig: sig, how: stoppedNow})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interrupter gives an upload a gentle first signal and a hard second
// one. The first closes Stop: no new part (or file) starts, and the parts
// in flight may finish while they make progress (grace.go says how long);
// the second cancels at once. Either way the journal stays consistent: it
// records only acknowledged parts.
type interrupter struct {
	ctx    context.Context
	Stop   chan struct{}
	cancel context.CancelCauseFunc
	ch     chan os.Signal
	done   chan struct{}

	mu    sync.Mutex
	first os.Signal
	// tell says what is happening (a line on stderr, above the bar); nil
	// says nothing.
	tell func(string)
	// inFlight reports the uploader's requests on the wire, and clearBar
	// blanks the progress bar (watch).
	inFlight func() upload.InFlight
	clearBar func()
	grace    *grace // set by the first signal
}

func newInterrupter(parent context.Context, tell func(string)) *interrupter {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancelCause(parent)
	in := &interrupter{ctx: ctx, Stop: make(chan struct{}), cancel: cancel, ch: make(chan os.Signal, 2), done: make(chan struct{}), tell: tell}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go in.loop()
	return in
}

// watch tells the interrupter what the uploader has on the wire, so that
// the grace waits for it and says what it waits for; clearBar (nil without
// one) blanks the progress bar before each of its lines.
func (in *interrupter) watch(f func() upload.InFlight, clearBar func()) {
	in.mu.Lock()
	in.inFlight, in.clearBar = f, clearBar
	in.mu.Unlock()
}

func (in *interrupter) flight() upload.InFlight {
	in.mu.Lock()
	f := in.inFlight
	in.mu.Unlock()
	if f == nil {
		return upload.InFlight{}
	}
	return f()
}

func (in *interrupter) say(msg string) {
	if in.tell == nil {
		return
	}
	in.mu.Lock()
	clearBar := in.clearBar
	in.mu.Unlock()
	if clearBar != nil {
		clearBar() // else each "still waiting" line leaves a stale bar above it
	}
	in.tell(msg)
}

func (in *interrupter) loop() {
	var tick <-chan time.Time
	for {
		select {
		case sig := <-in.ch:
			in.mu.Lock()
			first := in.first == nil
			if first {
				in.first = sig
			}
			in.mu.Unlock()
			if !first {
				in.cancel(&signalError{sig: sig, how: stoppedAtOnce})
				tick = nil // stopped: no "still waiting" line after it
				continue
			}
			close(in.Stop)
			g := newGrace(sig, time.Now(), in.flight())
			in.mu.Lock()
			in.grace = g
			in.mu.Unlock()
			in.say(g.opening(signalName(sig)))
			t := time.NewTicker(graceTick)
			defer t.Stop()
			tick = t.C
		case now := <-tick:
			in.mu.Lock()
			g := in.grace
			in.mu.Unlock()
			f := in.flight()
			switch g.step(now, f) {
			case graceIdle, graceOver:
				in.cancel(&signalError{sig: g.sig, how: g.ended})
				tick = nil
			default:
				if msg := g.status(now, f); msg != "" {
					in.say(msg)
				}
			}
		case <-in.done:
			return
		}
	}
}

// signal is the first signal received, or nil.
func (in *interrupter) signal() os.Signal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.first
}

func (in *interrupter) close() {
	signal.Stop(in.ch)
	close(in.done)
	in.cancel(nil)
}

// signalError is the cause of a context a signal cancelled, and how.
type signalError struct {
	sig os.Signal
	how stopKind
}

type stopKind int

const (
	stoppedNow    stopKind = iota // a command that only reads: stopped at the first signal
	stoppedAtOnce                 // the second signal: parts in flight cancelled
	graceOver                     // the first signal's grace reached its bound: parts in flight cancelled
	graceIdle                     // the parts in flight stopped moving during the grace: cancelled
)

func (e *signalError) Error() string { return "interrupted by " + signalName(e.sig) }

// interruptedText says how an upload that ended with err ended after a
// signal, in the words the first signal's message used: "interrupted by
// SIGINT: stopped at once; the parts in flight were cancelled". When the
// signal cancelled nothing, the parts in flight finished, or failed of
// their own (the retry window closed during the grace): err says which.
func (in *interrupter) interruptedText(err error) string {
	sig := in.signal()
	if sig == nil {
		return ""
	}
	var se *signalError
	var cause error
	if in.ctx != nil {
		cause = context.Cause(in.ctx)
	}
	switch {
	case !errors.As(cause, &se) && err != nil && !errors.Is(err, upload.ErrStopped):
		return fmt.Sprintf("interrupted by %s: no new parts were started; the parts in flight failed: %s", signalName(sig), oneLine(err))
	case !errors.As(cause, &se):
		return fmt.Sprintf("interrupted by %s: no new parts were started; the parts in flight finished", signalName(sig))
	case se.how == stoppedAtOnce:
		return fmt.Sprintf("interrupted by %s: stopped at once (second %s); the parts in flight were cancelled", signalName(sig), signalName(se.sig))
	case se.how == graceIdle:
		return fmt.Sprintf("interrupted by %s: the parts in flight made no progress for %s and were cancelled", signalName(sig), graceIdleLimit)
	}
	return fmt.Sprintf("interrupted by %s: the parts in flight did not finish within %s and were cancelled", signalName(sig), graceBound(sig))
}

// signalName is the conventional name: SIGINT, SIGTERM.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

func interruptedBy(ctx context.Context) os.Signal {
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig
	}
	return nil
}

// signalExit is the exit code for an interrupting signal.
func signalExit(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return ExitTerminated
	}
	return ExitInterrupted
}

// signalFailure gives an error of a signalContext command the exit code
// of the signal that cancelled it, if one did.
func signalFailure(ctx context.Context, err error) error {
	if sig := interruptedBy(ctx); sig != nil {
		return &exitError{code: signalExit(sig), err: &interruptError{text: "interrupted by " + signalName(sig) + ": stopped at once; nothing was written", err: err}}
	}
	return err
}

// interruptError is an interruption said in words; the error it ended
// (often just "context canceled") stays in the chain for --debug and
// JSON.
type interruptError struct {
	text string
	err  error
}

func (e *interruptError) Error() string { return e.text + ": " + e.err.Error() }
func (e *interruptError) Unwrap() error { return e.err }

// stopContext is the interrupter's context, also cancelled by the first
// signal: for steps that send no data and need no grace.
func (in *interrupter) stopContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(in.ctx)
	go func() {
		select {
		case <-in.Stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
