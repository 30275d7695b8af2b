// Package ratelimit caps the bytes per second an upload sends
// (--max-bandwidth, the aws CLI's max_bandwidth), across all the parts in
// flight: one Limiter is shared by every goroutine of an upload.
//
// It is a token bucket. Callers reserve bytes in the order they ask and may
// drive the bucket into debt; each then sleeps until its debt is paid. So
// waiters are served first come, first served, and a large request is
// split into burst-sized reservations that interleave with the other
// goroutines' instead of holding the line for seconds.
package ratelimit

import (
	"context"
	"io"
	"math"
	"sync"
	"time"
)

// minBurst is the smallest burst: below it a limiter would wake for every
// small write, and the HTTP transport writes 32 KiB at a time.
const minBurst = 64 << 10

// Limiter limits a byte rate. A nil *Limiter is unlimited, and its methods
// cost nothing, so callers need no "is there a limit" branches. It is safe
// for concurrent use.
type Limiter struct {
	rate  float64 // bytes per second
	burst int64   // the bucket's size, and the largest single reservation
	clock clock

	mu     sync.Mutex
	tokens float64 // may be negative: bytes reserved but not yet earned
	last   time.Time
}

// New returns a limiter of bytesPerSecond, or nil (unlimited) for 0 or
// less. The burst is 64 KiB or a tenth of a second's worth, whichever is
// larger: enough to keep the transport's writes whole, small enough that
// the rate holds over any second.
func New(bytesPerSecond int64) *Limiter {
	return newWithClock(bytesPerSecond, realClock{})
}

func newWithClock(bytesPerSecond int64, c clock) *Limiter {
	if bytesPerSecond <= 0 {
		return nil
	}
	burst := max(int64(minBurst), bytesPerSecond/10)
	// The bucket starts full, so the first burst goes out at once.
	return &Limiter{rate: float64(bytesPerSecond), burst: burst, clock: c, tokens: float64(burst), last: c.now()}
}

// Rate is the limit in bytes per second; 0 for unlimited.
func (l *Limiter) Rate() int64 {
	if l == nil {
		return 0
	}
	return int64(l.rate)
}

// Wait blocks until n more bytes may be sent, or ctx is done (its error is
// returned; the bytes of the reservation that was interrupted are given
// back). A nil Limiter returns at once.
func (l *Limiter) Wait(ctx context.Context, n int) error {
	if l == nil || n <= 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for left := int64(n); left > 0; {
		chunk := min(left, l.burst)
		deadline := l.reserve(chunk)
		if err := l.clock.sleepUntil(ctx, deadline); err != nil {
			l.refund(chunk)
			return err
		}
		left -= chunk
	}
	return nil
}

// reserve takes n tokens, into debt if need be, and returns when they are
// earned.
func (l *Limiter) reserve(n int64) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.advance()
	l.tokens -= float64(n)
	if l.tokens >= 0 {
		return now
	}
	wait := -l.tokens / l.rate * float64(time.Second)
	return now.Add(time.Duration(min(wait, float64(math.MaxInt64/2))))
}

// refund gives back a reservation that will not be used, so a cancelled
// part does not slow the others.
func (l *Limiter) refund(n int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advance()
	l.tokens = min(l.tokens+float64(n), float64(l.burst))
}

// advance adds the tokens earned since the last call; l.mu is held.
func (l *Limiter) advance() time.Time {
	now := l.clock.now()
	if d := now.Sub(l.last); d > 0 {
		l.tokens = min(l.tokens+d.Seconds()*l.rate, float64(l.burst))
		l.last = now
	}
	return now
}

// Reader returns r limited by l: each Read waits for the bytes it returns.
// Reads are capped at the burst, so one large Read does not sleep for
// seconds holding bytes the transport could be sending. If r is an
// io.Seeker, so is the result (the SDK rewinds bodies to retry them). A nil
// Limiter returns r itself.
//
// For S3 request bodies, prefer wrapping the body the HTTP transport reads
// (as the engine's progress accounting does) over the body handed to the
// SDK: the SDK also reads bodies to hash and sign them, and those reads
// must not be throttled.
func (l *Limiter) Reader(ctx context.Context, r io.Reader) io.Reader {
	if l == nil {
		return r
	}
	lr := &reader{r: r, l: l, ctx: ctx}
	if s, ok := r.(io.Seeker); ok {
		return &readSeeker{reader: lr, s: s}
	}
	return lr
}

type reader struct {
	r   io.Reader
	l   *Limiter
	ctx context.Context
}

// Read reads first and then waits for what it got, so a short read (the
// end of the body) is not charged a full buffer. On cancellation the bytes
// read are dropped: the request they belong to is being abandoned.
func (r *reader) Read(p []byte) (int, error) {
	if int64(len(p)) > r.l.burst {
		p = p[:r.l.burst]
	}
	n, err := r.r.Read(p)
	if n > 0 {
		if werr := r.l.Wait(r.ctx, n); werr != nil {
			return 0, werr
		}
	}
	return n, err
}

type readSeeker struct {
	*reader
	s io.Seeker
}

func (r *readSeeker) Seek(offset int64, whence int) (int64, error) {
	return r.s.Seek(offset, whence)
}

// clock is time as the limiter sees it; tests replace it so no test
// depends on the real clock's timing.
type clock interface {
	now() time.Time
	// sleepUntil returns when t is reached, or ctx's error when ctx is done
	// first.
	sleepUntil(ctx context.Context, t time.Time) error
}

type realClock struct{}

func (realClock) now() time.Time { return time.Now() }

func (realClock) sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
