package upload

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/netpolicy"
	"github.com/uploader-dev/uploader/internal/ratelimit"
)

// wire is what every S3 call of one Upload carries, composed here, in one
// place, from one small owner per concern. The HTTP client of a data
// request (UploadPart, PutObject), from the transport outwards:
//
//   - expectContinue: the transport waits for "100 Continue";
//   - bandwidth: the body is held to --max-bandwidth on the wire;
//   - progress (sendTracker.countOnTheWire, progress.go): the body is
//     counted as the transport reads it, each retry told to the listener;
//   - the adaptive limit's status observer (adaptiveLimit.observe,
//     limit.go): SlowDown halves the shared concurrency;
//   - the stall watcher (stallWatch, internal/netpolicy), outermost, so the
//     bandwidth limit's waits inside it are held, not taken for silence.
//
// Every call, data or not, then takes the retry policy (retryPolicy) and,
// around it, guardRetries (failure.go): once the upload is stopping
// nothing is retried.
//
// A body read is counted before it waits for the bandwidth limit, as the
// transport reads progress through the limit.
type wire struct {
	rate  *ratelimit.Limiter // the Uploader's MaxBandwidth; nil = unlimited
	limit *adaptiveLimit     // the Uploader's requests in flight
	stall time.Duration      // the stall timeout in effect; 0 = no watch
	retry time.Duration      // the retry window in effect; 0 = off
	waits NetworkListener    // told of network waits; nil when the listener is not one
	guard *failure           // the upload's first failure, which every retry consults
	// noChecksum: the upload sends no checksums, and the SDK adds none.
	noChecksum bool
}

// newWire is the wire of one Upload of u: l is its listener, f its first
// failure, alg the algorithm of its checksums ("" for none).
func newWire(u *Uploader, l Listener, f *failure, alg checksum.Algorithm) wire {
	w := wire{rate: u.rate, limit: u.limit, stall: u.opts.stallWindow(), retry: u.opts.retryWindow(), guard: f, noChecksum: alg == ""}
	w.waits, _ = l.(NetworkListener)
	return w
}

// stallWindow is the effective stall timeout; 0 when off.
func (o Options) stallWindow() time.Duration {
	return netpolicy.Effective(o.StallTimeout, DefaultStallTimeout)
}

// retryWindow is the effective retry window; 0 when off.
func (o Options) retryWindow() time.Duration {
	return netpolicy.Effective(o.RetryWindow, DefaultRetryWindow)
}

// data are the per-request options of a data request of operation op on
// part (0 for a PutObject), t its progress.
func (w wire) data(t *sendTracker, op string, part int32) []func(*s3.Options) {
	opts := []func(*s3.Options){expectContinue, bandwidth(w.rate), t.countOnTheWire, w.limit.observe}
	opts = append(opts, w.call(op, part)...)
	if w.noChecksum {
		opts = append(opts, noSDKChecksum)
	}
	return opts
}

// call are the per-request options of any call of operation op (on part
// part, 0 for none): the stall watch, the retry policy, and guardRetries.
func (w wire) call(op string, part int32) []func(*s3.Options) {
	policy := netpolicy.Policy{Window: w.retry}
	if l := w.waits; l != nil {
		policy.OnWait = func(nw netpolicy.Wait) {
			l.WaitingForNetwork(NetworkWait{Operation: op, Part: part, Attempt: nw.Attempt, Reason: nw.Reason,
				Stalled: nw.Stalled, RetryAt: nw.RetryAt, Deadline: nw.Deadline})
		}
	}
	return []func(*s3.Options){stallWatch(w.stall), retryPolicy(policy), guardRetries(w.guard, op, part)}
}

// abortCall are the per-request options of the abort of a failed upload:
// the network's alone, as it runs after the stop (no guard) and tells the
// listener nothing.
func (w wire) abortCall() []func(*s3.Options) {
	return []func(*s3.Options){stallWatch(w.stall), retryPolicy(netpolicy.Policy{Window: w.retry})}
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

// noSDKChecksum keeps the SDK from adding a checksum of its own (a CRC32
// trailer by default) to a request we checksum ourselves, or not at all.
func noSDKChecksum(o *s3.Options) {
	o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
}

// expectContinue is a per-request option that makes Go's transport wait
// for "100 Continue" before sending the body of a request the SDK marked
// "Expect: 100-continue" (S3 PUTs above 2 MiB). The SDK builds its
// requests with Proto 0.0, and the transport waits only for HTTP/1.1
// requests, so without this a part S3 refuses (a missing kms:Decrypt) is
// sent whole anyway, and a server that answers before reading the body and
// then resets the connection leaves the client with a reset instead of
// the 403.
func expectContinue(o *s3.Options) {
	o.HTTPClient = expectContinueClient{next: o.HTTPClient}
}

type expectContinueClient struct{ next aws.HTTPClient }

func (c expectContinueClient) Do(req *http.Request) (*http.Response, error) {
	if req.ProtoMajor == 0 && req.Header.Get("Expect") != "" {
		req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/1.1", 1, 1
	}
	return c.next.Do(req)
}

// bandwidth is a per-request option that holds the transport to rate (the
// Uploader's --max-bandwidth, shared by every request; nil = unlimited):
// the limit applies to bytes on the wire, not to the SDK's reads for
// hashing and signing.
func bandwidth(rate *ratelimit.Limiter) func(*s3.Options) {
	return func(o *s3.Options) {
		if rate != nil { // unlimited: no wrapper, nothing done per read
			o.HTTPClient = bandwidthClient{next: o.HTTPClient, rate: rate}
		}
	}
}

type bandwidthClient struct {
	next aws.HTTPClient
	rate *ratelimit.Limiter
}

func (c bandwidthClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &limitedBody{ReadCloser: req.Body, rate: c.rate, ctx: req.Context()}
	}
	return c.next.Do(req)
}

type limitedBody struct {
	io.ReadCloser
	rate *ratelimit.Limiter
	ctx  context.Context
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		release := netpolicy.Hold(b.ctx) // our own wait is not a stall
		werr := b.rate.Wait(b.ctx, n)
		release()
		if werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}
