package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/uploader-dev/uploader/upload"
)

// barListener draws the engine's progress as a bar on a terminal. The bar
// is created when the upload starts, once the size is known (-1, a stream,
// draws a spinner with bytes and rate).
type barListener struct {
	upload.NopListener
	w    io.Writer
	desc string
	// bar is made by Started, on the engine's goroutine, and cleared from
	// the interrupter's (clear).
	bar   atomic.Pointer[progressbar.ProgressBar]
	waits waitLines
}

func newBarListener(w io.Writer, desc string) *barListener {
	return &barListener{w: w, desc: desc}
}

func (b *barListener) Started(s upload.StartInfo) {
	if b.bar.Load() != nil {
		return
	}
	// This run's bytes: what an earlier run uploaded is not sent again, and
	// counted in neither the rate nor the time left (as a set's bar does).
	total := s.Size
	if total > 0 && s.Resumed < total {
		total -= s.Resumed
	}
	b.bar.Store(progressbar.NewOptions64(total, append(barOptions(b.w, b.desc),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.w) }))...))
}

// barOptions are the look of every progress bar: bytes in IEC units, rate
// and ETA, redrawn at most ten times a second.
func barOptions(w io.Writer, desc string) []progressbar.Option {
	return []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionUseIECUnits(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	}
}

func (b *barListener) BytesSent(n int64) {
	if bar := b.bar.Load(); bar != nil {
		// The engine reports each byte once; progressbar also refuses to
		// pass its maximum.
		_ = bar.Add64(n)
	}
}

// clear blanks the bar's line, for a line printed above it.
func (b *barListener) clear() {
	if bar := b.bar.Load(); bar != nil {
		_ = bar.Clear()
	}
}

// finish ends the bar's line so later messages start on their own line.
func (b *barListener) finish(ok bool) {
	bar := b.bar.Load()
	if bar == nil {
		return
	}
	if ok {
		_ = bar.Finish()
		return
	}
	_ = bar.Exit()
	fmt.Fprintln(b.w)
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
