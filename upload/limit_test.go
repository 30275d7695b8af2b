package upload

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAdaptiveLimit(t *testing.T) {
	clock := time.Unix(0, 0)
	l := newAdaptiveLimit(8)
	l.now = func() time.Time { return clock }
	ctx := context.Background()

	// Take all 8, then SlowDown halves to 4: tokens are withheld on return.
	for i := 0; i < 8; i++ {
		if err := l.acquire(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	clock = clock.Add(time.Hour)
	l.slowDown()
	if got := l.limit(); got != 4 {
		t.Fatalf("limit after SlowDown = %d, want 4", got)
	}
	l.slowDown() // the same burst: not halved again
	if got := l.limit(); got != 4 {
		t.Fatalf("limit after a second SlowDown in the same second = %d, want 4", got)
	}
	for i := 0; i < 8; i++ {
		l.release()
	}
	if got := len(l.tokens); got != 4 {
		t.Fatalf("%d tokens in circulation, want 4", got)
	}
	clock = clock.Add(2 * time.Second)
	l.slowDown()
	l.slowDown()
	clock = clock.Add(2 * time.Second)
	l.slowDown()
	if got := l.limit(); got != 1 {
		t.Fatalf("limit = %d, want the floor of 1", got)
	}
	// Grows back by one after each full limit's worth of successes.
	for want := 2; want <= 8; want++ {
		for i := 0; i < want-1; i++ {
			l.success()
		}
		if got := l.limit(); got != want {
			t.Fatalf("limit = %d, want %d", got, want)
		}
	}
	if got := len(l.tokens); got != 8 {
		t.Fatalf("%d tokens after growing back, want 8", got)
	}
}

func TestAdaptiveLimitStop(t *testing.T) {
	l := newAdaptiveLimit(1)
	stop := make(chan struct{})
	if err := l.acquire(context.Background(), stop); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- l.acquire(context.Background(), stop) }()
	close(stop)
	if err := <-done; !errors.Is(err, ErrStopped) {
		t.Fatalf("waiting acquire after stop: %v, want ErrStopped", err)
	}
	if err := l.acquire(context.Background(), stop); !errors.Is(err, ErrStopped) {
		t.Fatalf("acquire after stop: %v", err)
	}
}

// limit is the current number of parts allowed at once.
func (l *adaptiveLimit) limit() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current()
}
