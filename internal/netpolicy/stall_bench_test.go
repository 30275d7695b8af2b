package netpolicy

import (
	"context"
	"io"
	"testing"
	"time"
)

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { return len(p), nil }

// The per-read cost of the stall watch on a request body, the transport's
// 32 KiB reads.
func BenchmarkWatchedBodyRead(b *testing.B) {
	_, cancel := context.WithCancelCause(context.Background())
	w := &watch{window: time.Minute, cancel: cancel}
	w.timer = time.AfterFunc(time.Minute, w.fire)
	defer w.stop()
	body := &watchedBody{ReadCloser: io.NopCloser(zeroReader{}), w: w, send: true}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		body.Read(buf)
	}
}
