package upload

import (
	"context"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/netpolicy"
	"github.com/uploader-dev/uploader/internal/ratelimit"
)

// The HTTP client of a data request (UploadPart, PutObject) is composed
// here, in one place, from one small owner per concern. From the
// transport outwards:
//
//   - expectContinue: the transport waits for "100 Continue";
//   - bandwidth: the body is held to --max-bandwidth on the wire;
//   - progress (sendTracker.countOnTheWire, progress.go): the body is
//     counted as the transport reads it, each retry told to the listener;
//   - the adaptive limit's status observer (adaptiveLimit.observe,
//     limit.go): SlowDown halves the shared concurrency;
//   - the stall watcher (stallWatch, network.go), outermost, so the
//     bandwidth limit's waits inside it are held, not taken for silence;
//     with it the retry policy and guardRetries (netOptions).
//
// A body read is counted before it waits for the bandwidth limit, as the
// transport reads progress through the limit.

// requestOptions are the per-request options of a data request.
func (s *session) requestOptions(t *sendTracker, op string, part int32) []func(*s3.Options) {
	opts := []func(*s3.Options){expectContinue, bandwidth(s.u.rate), t.countOnTheWire, s.u.limit.observe}
	opts = append(opts, s.netOptions(op, part)...)
	if s.req.alg == "" {
		opts = append(opts, noSDKChecksum)
	}
	return opts
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
		o.HTTPClient = bandwidthClient{next: o.HTTPClient, rate: rate}
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
