package upload

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// failure is the first failure of an upload's parts, and the switch that
// stops the others. Once set, the parts in flight are cancelled, no part
// starts, and no request is retried, whatever error the cancelled ones then
// see: every other part would fail the same way, and each costs a request
// (and, under SSE-KMS, a KMS call).
type failure struct {
	// classify explains a call's error for ranking (the session's
	// diagnosis context); set with the session.
	classify func(err error, op string, part int32) *diagnose.Diagnosis
	// cancel stops the parts in flight. drive sets it when it starts:
	// before then no part is in flight, and a record (of a control call's
	// retry) has only failed to set.
	cancel context.CancelCauseFunc
	failed atomic.Bool // set by the first record: nothing is retried after it

	mu   sync.Mutex
	err  error // as the call returned it
	op   string
	part int32
	rank int
}

// Failures outrank one another: a permanent one (a denial, a changed
// source, a checksum mismatch) explains the stop better than a transient
// one, and either better than the cancellations the stop itself causes.
const (
	rankNone = iota
	rankCancelled
	rankTransient
	rankPermanent
)

func rankOf(err error, d *diagnose.Diagnosis) int {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return rankCancelled
	case d != nil && d.Transient(), d == nil && diagnose.IsTransient(err):
		return rankTransient
	}
	return rankPermanent
}

// record keeps err (from operation op on part, op "" when it is not an S3
// call's) and stops the upload, before anything else: the explanation, and
// the principal lookup it may need, wait until the parts have stopped.
func (f *failure) record(err error, op string, part int32) {
	var d *diagnose.Diagnosis
	if op != "" {
		d = f.classify(err, op, part)
	}
	f.failed.Store(true)
	rank := rankOf(err, d)
	f.mu.Lock()
	if rank > f.rank {
		f.err, f.op, f.part, f.rank = err, op, part, rank
	}
	f.mu.Unlock()
	if f.cancel != nil {
		f.cancel(err)
	}
}

// first is the failure recorded, with the S3 operation (and part) that
// returned it, op "" when it was not an S3 call's; nil when nothing
// failed. The caller explains it once the parts have stopped.
func (f *failure) first() (op string, part int32, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.op, f.part, f.err
}

// guardRetries returns a per-request option that decides every retry of
// call op on part with the upload whose first failure is f in mind: once
// the upload is stopping, nothing is retried (a part cancelled by the stop
// may see a reset connection, which the SDK would otherwise send again);
// and an attempt that failed permanently (a 403 whose body a reset cut off
// is still a denial) is not retried and stops the upload at once, before
// the other parts' next attempts.
func guardRetries(f *failure, op string, part int32) func(*s3.Options) {
	return func(o *s3.Options) {
		if r, ok := o.Retryer.(aws.RetryerV2); ok {
			o.Retryer = retryGuard{RetryerV2: r, f: f, op: op, part: part}
		}
	}
}

type retryGuard struct {
	aws.RetryerV2
	f    *failure
	op   string
	part int32
}

func (g retryGuard) IsErrorRetryable(err error) bool {
	f := g.f
	if f.failed.Load() {
		return false
	}
	if d := f.classify(err, g.op, g.part); d != nil && !d.Transient() && !sdkCorrects(err, d) {
		f.record(err, g.op, g.part)
		return false
	}
	return g.RetryerV2.IsErrorRetryable(err)
}

// sdkCorrects reports a failure the SDK fixes itself on the next attempt:
// a clock skew it measured from the server's Date header (it wraps the
// error as retryable and signs the retry with the corrected time). Now
// that every call of an upload carries guardRetries, CreateMultipartUpload
// included, such a retry must go through.
func sdkCorrects(err error, d *diagnose.Diagnosis) bool {
	var r interface{ RetryableError() bool }
	return d.Code == diagnose.ClockSkewed && errors.As(err, &r) && r.RetryableError()
}
