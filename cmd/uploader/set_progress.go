package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/schollz/progressbar/v3"

	"github.com/uploader-dev/uploader/upload"
)

// setBar draws one bar for a set on a terminal: files done of the total,
// bytes, rate and time left. Its total is the bytes this run should send:
// bytes an earlier run uploaded (resume) and files skipped as already
// there come off it, so the rate and the time left stay honest.
type setBar struct {
	upload.NopListener
	w     io.Writer
	bar   *progressbar.ProgressBar
	mu    sync.Mutex
	done  int
	total int
	waits waitLines
}

func newSetBar(w io.Writer, files int, bytes int64) *setBar {
	b := &setBar{w: w, total: files}
	b.bar = progressbar.NewOptions64(bytes, barOptions(w, b.describe())...)
	return b
}

func (b *setBar) describe() string { return fmt.Sprintf("%d/%d files", b.done, b.total) }

func (b *setBar) Started(s upload.StartInfo) {
	if s.Resumed > 0 {
		b.shrink(s.Resumed)
	}
}

func (b *setBar) BytesSent(n int64) { _ = b.bar.Add64(n) }

// shrink takes n bytes off the total: they will not be sent by this run.
func (b *setBar) shrink(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bar.ChangeMax64(max(b.bar.GetMax64()-n, 0))
}

// fileDone counts a file; unsent is what of it will never be sent.
func (b *setBar) fileDone(unsent int64) {
	if unsent > 0 {
		b.shrink(unsent)
	}
	b.mu.Lock()
	b.done++
	b.bar.Describe(b.describe())
	b.mu.Unlock()
}

// clear blanks the bar's line so a message can be printed; the bar draws
// itself again on its next update.
func (b *setBar) clear() { _ = b.bar.Clear() }

// finish ends the bar's line.
func (b *setBar) finish() {
	_ = b.bar.Exit()
	fmt.Fprintln(b.w)
}

// byteCounter counts the bytes a run sends, for its summary.
type byteCounter struct {
	upload.NopListener
	n atomic.Int64
}

func (c *byteCounter) BytesSent(n int64) { c.n.Add(n) }
