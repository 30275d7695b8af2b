package upload

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// countFeed hands out parts 1..n of a 1-byte-per-part source.
type countFeed struct {
	n, last int32
	err     error // returned instead of part errAt
	errAt   int32
}

func (f *countFeed) next(context.Context) (*part, error) {
	f.last++
	if f.err != nil && f.last == f.errAt {
		return nil, f.err
	}
	if f.last > f.n {
		return nil, nil
	}
	return &part{n: f.last, size: 1}, nil
}

func (f *countFeed) close() {}

// TestDrive is the driver's contract, apart from any upload: every part
// the feed hands out is written, never more at once than the limit gives
// tokens; the first failure starts no other part; a stop starts no other
// but lets those in flight finish; a feed's error is the failure.
func TestDrive(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name        string
		parts       int32
		limit       int
		failPart    int32 // write fails on this part (0: none)
		stopAt      int32 // close stop when this part is written (0: never)
		feedErrAt   int32 // the feed fails instead of handing out this part
		wantStopped error
		wantErr     error // the failure recorded
		wantWritten int32 // parts written (maxWritten when failing: at most)
	}{
		{name: "all parts", parts: 25, limit: 4, wantWritten: 25},
		{name: "one at a time", parts: 5, limit: 1, wantWritten: 5},
		{name: "a failure starts no other part", parts: 50, limit: 1, failPart: 3, wantErr: boom, wantWritten: 3},
		{name: "a stop lets the part in flight finish", parts: 50, limit: 1, stopAt: 4, wantStopped: ErrStopped, wantWritten: 4},
		{name: "the feed's error is the failure", parts: 50, limit: 1, feedErrAt: 6, wantErr: boom, wantWritten: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := newAdaptiveLimit(tt.limit)
			stop := make(chan struct{})
			var stopOnce sync.Once
			feed := &countFeed{n: tt.parts}
			if tt.feedErrAt > 0 {
				feed.err, feed.errAt = boom, tt.feedErrAt
			}
			var f failure
			var written, inFlight, maxInFlight atomic.Int32
			write := func(ctx context.Context, p *part) (string, error) {
				now := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					m := maxInFlight.Load()
					if now <= m || maxInFlight.CompareAndSwap(m, now) {
						break
					}
				}
				written.Add(1)
				if p.n == tt.stopAt {
					stopOnce.Do(func() { close(stop) })
				}
				if p.n == tt.failPart {
					return "", boom
				}
				return "", nil
			}
			stopped := drive(context.Background(), limit, stop, feed, &f, write)
			if !errors.Is(stopped, tt.wantStopped) || (tt.wantStopped == nil && stopped != nil) {
				t.Fatalf("stopped = %v, want %v", stopped, tt.wantStopped)
			}
			if _, _, err := f.first(); !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("failure = %v, want %v", err, tt.wantErr)
			}
			if got := written.Load(); got != tt.wantWritten {
				t.Fatalf("%d parts written, want %d", got, tt.wantWritten)
			}
			if m := maxInFlight.Load(); int(m) > tt.limit {
				t.Fatalf("%d parts in flight at once, limit %d", m, tt.limit)
			}
			if inFlight.Load() != 0 {
				t.Fatal("drive returned with parts still in flight")
			}
			if got := len(limit.tokens); got != tt.limit {
				t.Fatalf("%d tokens back after drive, want all %d", got, tt.limit)
			}
		})
	}
}
