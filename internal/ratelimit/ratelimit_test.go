package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock the test controls. In auto mode a sleeper jumps the
// clock to its deadline at once, so a test measures the time the limiter
// asked for without spending it; otherwise sleepers block until advance.
type fakeClock struct {
	mu      sync.Mutex
	cond    *sync.Cond
	t       time.Time
	auto    bool
	waiters map[*fakeWaiter]bool
}

type fakeWaiter struct {
	until time.Time
	ch    chan struct{}
}

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func newFakeClock(auto bool) *fakeClock {
	c := &fakeClock{t: epoch, auto: auto, waiters: map[*fakeWaiter]bool{}}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) elapsed() time.Duration { return c.now().Sub(epoch) }

func (c *fakeClock) sleepUntil(ctx context.Context, t time.Time) error {
	c.mu.Lock()
	if !t.After(c.t) {
		c.mu.Unlock()
		return nil
	}
	if c.auto {
		c.t = t
		c.mu.Unlock()
		return nil
	}
	w := &fakeWaiter{until: t, ch: make(chan struct{})}
	c.waiters[w] = true
	c.cond.Broadcast()
	c.mu.Unlock()
	select {
	case <-w.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiters, w)
		c.mu.Unlock()
		return ctx.Err()
	}
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	for w := range c.waiters {
		if !w.until.After(c.t) {
			close(w.ch)
			delete(c.waiters, w)
		}
	}
}

// awaitWaiters blocks until n goroutines sleep, and returns their
// deadlines as offsets from the epoch, earliest first.
func (c *fakeClock) awaitWaiters(n int) []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.waiters) < n {
		c.cond.Wait()
	}
	var ds []time.Duration
	for w := range c.waiters {
		ds = append(ds, w.until.Sub(epoch))
	}
	for i := range ds { // tiny insertion sort
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds
}

const mib = 1 << 20

func TestUnlimited(t *testing.T) {
	for _, bps := range []int64{0, -1} {
		if l := New(bps); l != nil {
			t.Fatalf("New(%d) = %v, want nil (unlimited)", bps, l)
		}
	}
	var l *Limiter
	if err := l.Wait(context.Background(), 1<<40); err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(nil)
	if got := l.Reader(context.Background(), r); got != io.Reader(r) {
		t.Fatal("a nil limiter must hand the reader back unwrapped")
	}
	if l.Rate() != 0 {
		t.Fatal("nil limiter has a rate")
	}
}

func TestBurst(t *testing.T) {
	for _, tt := range []struct{ bps, burst int64 }{
		{1000, 64 << 10},          // slow: 64 KiB floor
		{1 * mib, mib / 10},       // a tenth of a second
		{100 * mib, 10 * mib},     // fast
		{1 << 62, (1 << 62) / 10}, // no overflow
	} {
		if l := newWithClock(tt.bps, newFakeClock(true)); l.burst != tt.burst {
			t.Errorf("burst at %d B/s = %d, want %d", tt.bps, l.burst, tt.burst)
		}
	}
}

// One goroutine sending 10 MiB at 1 MiB/s needs 10 s less the initial burst.
func TestRateOneGoroutine(t *testing.T) {
	clk := newFakeClock(true)
	l := newWithClock(mib, clk)
	for sent := 0; sent < 10*mib; sent += 32 << 10 {
		if err := l.Wait(context.Background(), 32<<10); err != nil {
			t.Fatal(err)
		}
	}
	assertBetween(t, clk.elapsed(), 9800*time.Millisecond, 10*time.Second)
}

// A Wait larger than the burst is split, and still takes its time.
func TestLargeWait(t *testing.T) {
	clk := newFakeClock(true)
	l := newWithClock(mib, clk)
	if err := l.Wait(context.Background(), 5*mib); err != nil {
		t.Fatal(err)
	}
	assertBetween(t, clk.elapsed(), 4800*time.Millisecond, 5*time.Second)
}

// Many goroutines share the rate: 8 x 1 MiB at 1 MiB/s take about 8 s, not
// 1 s (which a per-goroutine limit would give).
func TestRateShared(t *testing.T) {
	clk := newFakeClock(true)
	l := newWithClock(mib, clk)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sent := 0; sent < mib; sent += 16 << 10 {
				if err := l.Wait(context.Background(), 16<<10); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assertBetween(t, clk.elapsed(), 7800*time.Millisecond, 8*time.Second)
}

// A goroutine asking for 10 MiB does not make a later small request wait
// for all of it: reservations interleave.
func TestFairness(t *testing.T) {
	clk := newFakeClock(false)
	l := newWithClock(mib, clk)
	ctx, cancel := context.WithCancel(context.Background())
	big := make(chan error, 1)
	go func() { big <- l.Wait(ctx, 10*mib) }()
	clk.awaitWaiters(1) // the first burst went at once; the second waits
	small := make(chan error, 1)
	go func() { small <- l.Wait(context.Background(), 64<<10) }()
	ds := clk.awaitWaiters(2)
	if ds[1] > 300*time.Millisecond {
		t.Fatalf("the small request waits until %v: it queued behind the whole large one", ds[1])
	}
	clk.advance(ds[1])
	if err := <-small; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-big:
		t.Fatalf("the 10 MiB wait returned after %v: %v", clk.elapsed(), err)
	default:
	}
	cancel()
	if err := <-big; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait = %v, want context.Canceled", err)
	}
}

// A cancelled wait returns its reservation: the next caller is not charged
// for bytes that were never sent.
func TestCancelRefunds(t *testing.T) {
	clk := newFakeClock(false)
	l := newWithClock(mib, clk)
	burst := int(l.burst)
	if err := l.Wait(context.Background(), burst); err != nil { // empties the bucket
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx, burst) }()
	clk.awaitWaiters(1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	go func() { done <- l.Wait(context.Background(), burst) }()
	ds := clk.awaitWaiters(1)
	if ds[0] > 110*time.Millisecond {
		t.Fatalf("after a refund the next burst waits until %v, want 100ms", ds[0])
	}
	clk.advance(ds[0])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCancelledBeforeWait(t *testing.T) {
	l := newWithClock(mib, newFakeClock(false))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if l.tokens != float64(l.burst) {
		t.Fatalf("a refused wait took tokens: %v of %d", l.tokens, l.burst)
	}
}

// recordingReader records the size of each Read it is asked for.
type recordingReader struct {
	io.ReadSeeker
	max int
}

func (r *recordingReader) Read(p []byte) (int, error) {
	r.max = max(r.max, len(p))
	return r.ReadSeeker.Read(p)
}

func TestReader(t *testing.T) {
	clk := newFakeClock(true)
	l := newWithClock(256<<10, clk) // burst: the 64 KiB floor
	data := bytes.Repeat([]byte("0123456789abcdef"), mib/16)
	src := &recordingReader{ReadSeeker: bytes.NewReader(data)}
	r := l.Reader(context.Background(), src)
	got, err := io.ReadAll(io.LimitReader(r, int64(len(data))+1))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v; want the %d bytes of the source", len(got), err, len(data))
	}
	if src.max > 64<<10 {
		t.Errorf("a read of %d bytes passed through; reads are capped at the burst", src.max)
	}
	// (1 MiB - 64 KiB) / 256 KiB/s = 3.75 s
	assertBetween(t, clk.elapsed(), 3700*time.Millisecond, 3800*time.Millisecond)

	s, ok := r.(io.Seeker)
	if !ok {
		t.Fatal("the reader of a seeker must seek, so the SDK can rewind a body")
	}
	if pos, err := s.Seek(0, io.SeekStart); err != nil || pos != 0 {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	if _, ok := l.Reader(context.Background(), io.MultiReader()).(io.Seeker); ok {
		t.Fatal("the reader of a non-seeker claims to seek")
	}
}

func TestReaderCancelled(t *testing.T) {
	l := newWithClock(mib, newFakeClock(false))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n, err := l.Reader(ctx, bytes.NewReader([]byte("x"))).Read(make([]byte, 8))
	if n != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Read = %d, %v; want 0, context.Canceled", n, err)
	}
}

func assertBetween(t *testing.T, got, lo, hi time.Duration) {
	t.Helper()
	if got < lo || got > hi {
		t.Fatalf("took %v of (fake) time, want %v..%v", got, lo, hi)
	}
}

// The real clock, without timing: a past deadline does not sleep, and a
// cancelled context ends a sleep that would last an hour.
func TestRealClock(t *testing.T) {
	c := realClock{}
	if err := c.sleepUntil(context.Background(), c.now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.sleepUntil(ctx, c.now().Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepUntil = %v, want context.Canceled", err)
	}
}

func BenchmarkWaitUnlimited(b *testing.B) {
	var l *Limiter
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		_ = l.Wait(ctx, 32<<10)
	}
}
