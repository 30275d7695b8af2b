package upload

import (
	"context"
	"io"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/netpolicy"
	"github.com/uploader-dev/uploader/internal/ratelimit"
)

// Progress is counted as the HTTP transport sends the bytes, not as the SDK
// reads them: over plain HTTP the SDK reads a body once to sign it before
// sending it, so counting reads would race ahead of the network. Each
// object or part has a tracker with a high-water mark, so a request the SDK
// retries or rewinds is not counted twice.

// sendTracker counts one object's or part's bytes across attempts, and
// tells the listener about each retry.
type sendTracker struct {
	mu       sync.Mutex
	limit    int64 // the body's length: the transport also sends chunk framing and trailers
	reported int64 // high-water mark across attempts
	listener Listener
	rate     *ratelimit.Limiter
	part     int32   // 0 for PutObject
	flight   *flight // the Uploader's count of bytes on the wire, while begun

	attempts int
	lastFail string // why the previous attempt failed
}

// attempt records the start of an attempt; from the second on it is a retry.
func (t *sendTracker) attempt() {
	t.mu.Lock()
	t.attempts++
	n, why := t.attempts, t.lastFail
	t.mu.Unlock()
	if n > 1 {
		t.listener.Retrying(RetryInfo{Part: t.part, Attempt: n, Reason: why})
	}
}

func (t *sendTracker) failed(why string) {
	t.mu.Lock()
	t.lastFail = why
	t.mu.Unlock()
}

// wrapHTTPClient is a per-request option: it wraps this request's HTTP
// client so the body is counted as the transport reads it.
func (t *sendTracker) wrapHTTPClient(o *s3.Options) {
	o.HTTPClient = countingHTTPClient{next: o.HTTPClient, t: t}
}

// advance records that an attempt has now sent pos bytes.
func (t *sendTracker) advance(pos int64) {
	t.mu.Lock()
	pos = min(pos, t.limit)
	delta := pos - t.reported
	if delta > 0 {
		t.reported = pos
		if t.flight != nil {
			t.flight.left.Add(-delta)
		}
	}
	t.mu.Unlock()
	if delta > 0 {
		t.listener.BytesSent(delta)
	}
}

func (t *sendTracker) finish() { t.advance(t.limit) }

type countingHTTPClient struct {
	next aws.HTTPClient
	t    *sendTracker
}

func (c countingHTTPClient) Do(req *http.Request) (*http.Response, error) {
	c.t.attempt()
	honourExpectContinue(req)
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &countingBody{ReadCloser: req.Body, t: c.t, ctx: req.Context()}
	}
	resp, err := c.next.Do(req)
	switch {
	case err != nil:
		c.t.failed(err.Error())
	case resp.StatusCode >= 300:
		c.t.failed(resp.Status)
	}
	return resp, err
}

// countingBody counts one attempt's bytes from zero, and holds the
// transport to --max-bandwidth: the limit applies to bytes on the wire, not
// to the SDK's reads for hashing and signing.
type countingBody struct {
	io.ReadCloser
	t   *sendTracker
	ctx context.Context
	pos int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.pos += int64(n)
		b.t.advance(b.pos)
		release := netpolicy.Hold(b.ctx) // our own wait is not a stall
		werr := b.t.rate.Wait(b.ctx, n)
		release()
		if werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

// honourExpectContinue makes Go's transport wait for "100 Continue" before
// sending the body of a request the SDK marked "Expect: 100-continue" (S3
// PUTs above 2 MiB). The SDK builds its requests with Proto 0.0, and the
// transport waits only for HTTP/1.1 requests, so without this a part S3
// refuses (a missing kms:Decrypt) is sent whole anyway, and a server that
// answers before reading the body and then resets the connection leaves
// the client with a reset instead of the 403.
func honourExpectContinue(req *http.Request) {
	if req.ProtoMajor == 0 && req.Header.Get("Expect") != "" {
		req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/1.1", 1, 1
	}
}
