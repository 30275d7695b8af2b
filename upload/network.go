package upload

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/netpolicy"
)

// The network, per operation. Every S3 call of an upload (data and
// control) carries two per-request options, so that they hold for any
// client handed to New, an embedder's own *s3.Client included:
//
//   - a stall watcher around the operation's HTTP client: an attempt whose
//     connection moves no byte for Options.StallTimeout is cancelled and
//     sent again on a new connection (the SDK rewinds the body; the
//     aws-chunked trailer is rebuilt per attempt). Progress, not total
//     time: a slow link or --max-bandwidth never trips it (the bandwidth
//     limit's own waits are held, see limitedBody in wire.go);
//   - a retry policy in place of the client's retryer: a request that gets
//     no answer is retried with backoff for Options.RetryWindow from its
//     first such failure; failures with an answer (5xx, SlowDown) keep the
//     client retryer's attempts and delays; no retry takes a token from a
//     shared bucket.
//
// guardRetries (failure.go) wraps the policy, so a stopping upload still
// retries nothing.

// DefaultStallTimeout and DefaultRetryWindow are the zero Options' values.
const (
	DefaultStallTimeout = netpolicy.DefaultStallTimeout
	DefaultRetryWindow  = netpolicy.DefaultRetryWindow
)

// NetworkListener is an optional Listener extension: a Listener that also
// implements it is told when a request waits for the network (no answer:
// refused, reset, stalled) before trying again.
type NetworkListener interface {
	WaitingForNetwork(NetworkWait)
}

// NetworkWait describes a request waiting for the network.
type NetworkWait struct {
	Operation string // "UploadPart", "CompleteMultipartUpload", ...
	Part      int32  // part number; 0 for other operations
	Attempt   int    // the attempt that failed (1 = the first)
	Reason    string // why it failed
	// Stalled: the connection was made and then stopped moving (else it
	// could not be made, or was reset).
	Stalled bool
	RetryAt time.Time // when the next attempt starts
	// Deadline is when the retry window closes: still failing then, the
	// upload stops (a file upload is kept for a rerun).
	Deadline time.Time
}

// stallWindow is the effective stall timeout; 0 when off.
func (o Options) stallWindow() time.Duration { return effective(o.StallTimeout, DefaultStallTimeout) }

// retryWindow is the effective retry window; 0 when off.
func (o Options) retryWindow() time.Duration { return effective(o.RetryWindow, DefaultRetryWindow) }

// effective reads a duration option: 0 is the default, negative is off (0).
func effective(d, def time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return def
	}
	return d
}

// netOptions are the network options of one call of operation op (on part
// part, 0 for none), followed by guardRetries.
func (s *session) netOptions(op string, part int32) []func(*s3.Options) {
	win := s.u.opts.stallWindow()
	policy := netpolicy.Policy{Window: s.u.opts.retryWindow()}
	if l, ok := s.listener.(NetworkListener); ok {
		policy.OnWait = func(w netpolicy.Wait) {
			l.WaitingForNetwork(NetworkWait{Operation: op, Part: part, Attempt: w.Attempt, Reason: w.Reason,
				Stalled: w.Stalled, RetryAt: w.RetryAt, Deadline: w.Deadline})
		}
	}
	return []func(*s3.Options){stallWatch(win), retryPolicy(policy), s.guardRetries(op, part)}
}

// abortOptions are the network options of an abort, which runs with no
// session's listener (and sometimes no session).
func abortOptions(o Options) []func(*s3.Options) {
	return []func(*s3.Options){stallWatch(o.stallWindow()), retryPolicy(netpolicy.Policy{Window: o.retryWindow()})}
}

// stallWatch is the per-request option of the stall watcher: it wraps the
// operation's HTTP client, outermost, so that an attempt whose connection
// moves no byte for win is cancelled (and retried); win 0: no watch.
func stallWatch(win time.Duration) func(*s3.Options) {
	return func(o *s3.Options) {
		if win > 0 {
			o.HTTPClient = netpolicy.WithStallTimeout(o.HTTPClient, netpolicy.Fixed(win))
		}
	}
}

// retryPolicy is the per-request option that puts policy in place of the
// client's retryer (which it keeps for failures with an answer).
func retryPolicy(policy netpolicy.Policy) func(*s3.Options) {
	return func(o *s3.Options) { o.Retryer = policy.Retryer(o.Retryer) }
}
