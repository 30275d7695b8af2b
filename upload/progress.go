package upload

import (
	"io"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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

// countOnTheWire is a per-request option: it wraps this request's HTTP
// client so the body is counted as the transport reads it.
func (t *sendTracker) countOnTheWire(o *s3.Options) {
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
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &countingBody{ReadCloser: req.Body, t: c.t}
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

// countingBody counts one attempt's bytes from zero.
type countingBody struct {
	io.ReadCloser
	t   *sendTracker
	pos int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.pos += int64(n)
		b.t.advance(b.pos)
	}
	return n, err
}
