package netpolicy

import (
	"context"
	"testing"
	"time"
)

type outliveKey struct{}

// TestOutlive: the context outlives its parent by the grace, no more, and
// never ends by itself while the parent lives.
func TestOutlive(t *testing.T) {
	const grace = 150 * time.Millisecond
	cases := []struct {
		name         string
		cancelParent bool
		cancelFirst  bool // the parent ended before Outlive was called
		cancelOwn    bool
		aliveAfter   time.Duration // still alive this long after the event
		doneBy       time.Duration // ended by then (0: never, within the test)
	}{
		{name: "parent lives", aliveAfter: 3 * grace},
		{name: "parent cancelled", cancelParent: true, aliveAfter: grace / 3, doneBy: 10 * grace},
		{name: "own cancel", cancelOwn: true, doneBy: grace / 3},
		{name: "parent already ended", cancelFirst: true, doneBy: grace / 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), outliveKey{}, "v"))
			defer cancelParent()
			if tc.cancelFirst {
				cancelParent()
			}
			ctx, cancel := Outlive(parent, grace)
			defer cancel()
			if ctx.Value(outliveKey{}) != "v" {
				t.Fatal("the parent's values are lost")
			}
			if tc.cancelParent {
				cancelParent()
			}
			if tc.cancelOwn {
				cancel()
			}
			if tc.aliveAfter > 0 {
				select {
				case <-ctx.Done():
					t.Fatalf("ended before %v", tc.aliveAfter)
				case <-time.After(tc.aliveAfter):
				}
			}
			if tc.doneBy > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(tc.doneBy):
					t.Fatalf("still alive %v after", tc.doneBy)
				}
			}
		})
	}
}
