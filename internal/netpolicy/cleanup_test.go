package netpolicy

import (
	"context"
	"testing"
	"time"
)

// A cleanup outlives its cancelled parent, for the shorter bound.
func TestCleanup(t *testing.T) {
	live := context.Background()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		parent context.Context
		bound  time.Duration
	}{
		{"parent live", live, CleanupTimeout},
		{"parent ended", ended, CancelledCleanupTimeout},
	} {
		ctx, cancel := Cleanup(tc.parent)
		dl, ok := ctx.Deadline()
		left := time.Until(dl)
		if ctx.Err() != nil || !ok || left > tc.bound || left < tc.bound-time.Second {
			t.Errorf("%s: err %v, deadline in %v, want alive and bounded by %v", tc.name, ctx.Err(), left, tc.bound)
		}
		cancel()
	}
}
