package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// DefaultRetryWindow is how long a request that gets no answer from the
// network (refused, reset, stalled, timed out) is retried, counted from its
// first such failure: a 2-minute outage is ridden out with room to spare.
const DefaultRetryWindow = 5 * time.Minute

// Backoff bounds for network failures: exponential from backoffBase (the
// n-th wait is between half and all of base x 2^(n-1)), capped at a
// fraction of the window (so a short window in a test still tries several
// times) and never above backoffCap (the aws CLI's standard mode caps at
// 20 s). The first wait, 0.5-1 s, is the SDK's order of magnitude: a part
// reset while another part's denial is on its way must not be sent again
// before that denial stops the upload (and cancels the wait).
const (
	backoffBase = time.Second
	backoffCap  = 20 * time.Second
)

// Policy is how one operation retries.
type Policy struct {
	// Window: a network failure is retried until Window has passed since
	// the request's first network failure, however many attempts that
	// takes. 0: network failures count against MaxAttempts like any other.
	Window time.Duration
	// MaxAttempts bounds the attempts for failures that came with an
	// answer (5xx, SlowDown, throttling); 0 keeps the client retryer's.
	MaxAttempts int
	// OnWait, when set, is told before each wait for the network.
	OnWait func(Wait)
	// NetworkRetryable, when set, replaces the rule for network failures:
	// false never retries one (preflight: nothing to ride out there).
	NetworkRetryable func(error) bool
}

// Wait describes a request waiting for the network before trying again.
type Wait struct {
	Attempt  int           // the attempt that failed (1 = the first)
	Reason   string        // why it failed
	Stalled  bool          // the connection stalled (else: no connection, reset, ...)
	Delay    time.Duration // until the next attempt
	RetryAt  time.Time
	Since    time.Time // the request's first network failure
	Deadline time.Time // when the window closes: no attempt starts after it
}

// WindowError is a network failure still failing when the retry window
// closed. It wraps the last attempt's error.
type WindowError struct {
	Err      error
	Attempts int
	Window   time.Duration
}

func (e *WindowError) Error() string {
	return fmt.Sprintf("the network did not answer for the %s retry window (%d attempts): %v", e.Window, e.Attempts, e.Err)
}

func (e *WindowError) Unwrap() error { return e.Err }

// Retryer returns the retryer of one operation: base decides and paces
// the failures that came with an answer; network failures are retried for
// the window. No retry takes a token from a bucket: the SDK's standard
// retryer shares one bucket (500 tokens, 5 or 10 per retry) between every
// request of a client, so ten parts hitting one blip empty it and fail
// together; the budget here is time, per request.
func (p Policy) Retryer(base aws.Retryer) aws.RetryerV2 {
	r := &retryer{p: p, base: base}
	if p.MaxAttempts <= 0 && base != nil {
		r.p.MaxAttempts = base.MaxAttempts()
	}
	return r
}

type retryer struct {
	p    Policy
	base aws.Retryer

	mu        sync.Mutex
	firstNet  time.Time
	answered  int // attempts that failed with an answer
	netFailed int
}

// IsNetwork reports whether err is a failure with no answer from the
// server that may pass by itself: a stall, a reset, a refused or timed-out
// connection, a DNS failure other than "no such host". A certificate the
// machine does not trust, and cancellation, are not.
func IsNetwork(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *StallError
	if errors.As(err, &se) {
		return true
	}
	if diagnose.HTTPStatus(err) != 0 || diagnose.ErrorCode(err) != "" {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return false // an answer: the name does not exist
	}
	if d := diagnose.Classify(err, diagnose.Context{}); d != nil && d.Code == diagnose.TLSUntrusted {
		return false
	}
	return diagnose.IsTransient(err)
}

func (r *retryer) network(err error) bool {
	if r.p.NetworkRetryable != nil {
		return IsNetwork(err) && r.p.NetworkRetryable(err)
	}
	return r.p.Window > 0 && IsNetwork(err)
}

func (r *retryer) IsErrorRetryable(err error) bool {
	if r.network(err) {
		return true
	}
	if r.p.NetworkRetryable != nil && IsNetwork(err) {
		return false
	}
	var se *StallError
	if errors.As(err, &se) {
		return true // the window is off: a stall counts as an attempt
	}
	if r.base == nil {
		return diagnose.IsTransient(err)
	}
	return r.base.IsErrorRetryable(err)
}

// MaxAttempts is 0 (no limit) for the SDK's loop: RetryDelay ends it, by
// the window for network failures and by MaxAttempts for the others.
func (r *retryer) MaxAttempts() int { return 0 }

func (r *retryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	now := time.Now()
	if r.network(err) && r.p.Window > 0 {
		r.mu.Lock()
		if r.firstNet.IsZero() {
			r.firstNet = now
		}
		r.netFailed++
		since, n := r.firstNet, r.netFailed
		r.mu.Unlock()
		deadline := since.Add(r.p.Window)
		if !now.Before(deadline) {
			return 0, &WindowError{Err: err, Attempts: attempt, Window: r.p.Window}
		}
		d := min(backoff(n, r.p.Window), deadline.Sub(now))
		if r.p.OnWait != nil {
			var se *StallError
			r.p.OnWait(Wait{Attempt: attempt, Reason: err.Error(), Stalled: errors.As(err, &se) && se.Stalled(),
				Delay: d, RetryAt: now.Add(d), Since: since, Deadline: deadline})
		}
		return d, nil
	}
	r.mu.Lock()
	r.answered++
	n := r.answered
	r.mu.Unlock()
	if r.p.MaxAttempts > 0 && n >= r.p.MaxAttempts {
		return 0, &retry.MaxAttemptsError{Attempt: attempt, Err: err}
	}
	if r.base == nil {
		return backoff(n, 0), nil
	}
	return r.base.RetryDelay(n, err)
}

// backoff is the n-th (from 1) network retry's delay: full jitter over an
// exponential bound, capped.
func backoff(n int, window time.Duration) time.Duration {
	limit := backoffCap
	if window > 0 {
		limit = min(backoffCap, max(window/8, time.Second))
	}
	bound := backoffBase << min(n-1, 16)
	bound = min(bound, limit)
	return bound/2 + time.Duration(rand.Int64N(int64(bound/2)+1))
}

func (r *retryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	return nopRelease, nil
}

func (r *retryer) GetInitialToken() func(error) error { return nopRelease }

func (r *retryer) GetAttemptToken(context.Context) (func(error) error, error) {
	return nopRelease, nil
}

func nopRelease(error) error { return nil }

// WindowAttempts is what internal/diagnose asks of a WindowError.
func (e *WindowError) WindowAttempts() (int, time.Duration) { return e.Attempts, e.Window }
