// Package netpolicy is how the engine and preflight treat the network:
// a stall watcher that cancels a request whose connection stopped moving
// (stall.go), and a retry policy that rides out an outage for a window of
// time instead of a count of attempts (retry.go). Both are applied per
// operation, as an HTTP client wrapper and a retryer in the operation's
// s3/kms/sts Options, so they hold for any SDK client a caller hands in.
package netpolicy

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultStallTimeout is how long a request's connection may move no byte
// before the request is cancelled and retried on a new connection. It also
// bounds the wait for a response's headers once the request is sent.
const DefaultStallTimeout = 30 * time.Second

// Phase is where in its life a request stalled.
type Phase string

const (
	// PhaseConnect: no connection was made (DNS, TCP, TLS): the endpoint
	// is unreachable rather than stalled.
	PhaseConnect Phase = "connecting"
	// PhaseSend: the request (headers or body) stopped moving.
	PhaseSend Phase = "sending the request"
	// PhaseWait: the request was sent whole and no response header came
	// (the response-header timeout).
	PhaseWait Phase = "waiting for the response"
	// PhaseReceive: the response stopped moving.
	PhaseReceive Phase = "reading the response"
)

// StallError is a request cancelled because its connection moved no byte
// for Window. It does not wrap context.Canceled: the cancellation is ours,
// the failure is the network's, and it is retried like a reset.
type StallError struct {
	Phase    Phase
	Window   time.Duration
	Endpoint string // scheme://host[:port]
	Sent     int64  // request body bytes sent by this attempt
}

func (e *StallError) Error() string {
	if e.Phase == PhaseConnect {
		return "no connection within " + e.Window.String()
	}
	what := "no byte moved for " + e.Window.String() + " while " + string(e.Phase)
	if e.Phase == PhaseWait {
		what = "no response within " + e.Window.String() + " after the request was sent (response-header timeout)"
	}
	if e.Sent > 0 {
		what += fmt.Sprintf(" (%d bytes of the body sent)", e.Sent)
	}
	return "the connection to " + e.Endpoint + " stalled: " + what
}

// Timeout marks it as a network timeout for classifiers that ask net.Error.
func (e *StallError) Timeout() bool { return true }

// Stalled is what internal/diagnose asks (it cannot import this package):
// false for a connection never made, which is an unreachable endpoint.
func (e *StallError) Stalled() bool { return e.Phase != PhaseConnect }

// Held is implemented by a request's context when a stall watcher runs;
// code that waits on purpose while the request is in flight (the bandwidth
// limit) calls Hold and the returned release so that its wait is not
// taken for a stall.
func Hold(ctx context.Context) (release func()) {
	w, _ := ctx.Value(watchKey{}).(*watch)
	if w == nil {
		return func() {}
	}
	w.hold(1)
	return func() { w.hold(-1) }
}

type watchKey struct{}

// WithStallTimeout returns an HTTP client that watches every request sent
// through next, for the window window returns for the request (<= 0: not
// watched). window is a func so that a caller (preflight) can shorten it
// once an endpoint failed to answer.
func WithStallTimeout(next aws.HTTPClient, window func(*http.Request) time.Duration) aws.HTTPClient {
	return stallClient{next: next, window: window}
}

// Fixed is a window func that gives every request d.
func Fixed(d time.Duration) func(*http.Request) time.Duration {
	return func(*http.Request) time.Duration { return d }
}

type stallClient struct {
	next   aws.HTTPClient
	window func(*http.Request) time.Duration
}

func (c stallClient) Do(req *http.Request) (*http.Response, error) {
	win := c.window(req)
	if win <= 0 {
		return c.next.Do(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watch{window: win, cancel: cancel, phase: PhaseConnect, endpoint: req.URL.Scheme + "://" + req.URL.Host}
	w.timer = time.AfterFunc(win, w.fire)
	trace := &httptrace.ClientTrace{
		GotConn:              func(httptrace.GotConnInfo) { w.to(PhaseSend) },
		WroteHeaders:         w.progress,
		Got100Continue:       w.progress,
		WroteRequest:         func(httptrace.WroteRequestInfo) { w.to(PhaseWait) },
		GotFirstResponseByte: func() { w.to(PhaseReceive) },
	}
	ctx = context.WithValue(httptrace.WithClientTrace(ctx, trace), watchKey{}, w)
	req = req.WithContext(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &watchedBody{ReadCloser: req.Body, w: w, send: true}
	}
	resp, err := c.next.Do(req)
	if err != nil {
		w.stop()
		if se := w.stalled(); se != nil {
			return nil, &url.Error{Op: urlOp(req.Method), URL: req.URL.String(), Err: se}
		}
		return nil, err
	}
	resp.Body = &watchedBody{ReadCloser: resp.Body, w: w}
	return resp, nil
}

// watch is one attempt's timer: every byte moved pushes it forward, as
// rclone's timeoutConn pushes a deadline forward on every Read and Write.
type watch struct {
	window   time.Duration
	cancel   context.CancelCauseFunc
	endpoint string
	timer    *time.Timer

	mu      sync.Mutex
	phase   Phase
	sent    int64
	holds   int
	err     *StallError
	stopped bool
}

func (w *watch) progress() {
	w.mu.Lock()
	if !w.stopped && w.err == nil {
		w.timer.Reset(w.window)
	}
	w.mu.Unlock()
}

func (w *watch) to(p Phase) {
	w.mu.Lock()
	w.phase = p
	w.mu.Unlock()
	w.progress()
}

func (w *watch) sentBytes(n int) {
	w.mu.Lock()
	w.sent += int64(n)
	w.mu.Unlock()
	w.progress()
}

func (w *watch) hold(d int) {
	w.mu.Lock()
	w.holds += d
	w.mu.Unlock()
	w.progress()
}

func (w *watch) fire() {
	w.mu.Lock()
	if w.stopped || w.err != nil {
		w.mu.Unlock()
		return
	}
	if w.holds > 0 { // a wait of ours (the bandwidth limit): not a stall
		w.timer.Reset(w.window)
		w.mu.Unlock()
		return
	}
	w.err = &StallError{Phase: w.phase, Window: w.window, Endpoint: w.endpoint, Sent: w.sent}
	err := w.err
	w.mu.Unlock()
	w.cancel(err)
}

func (w *watch) stalled() *StallError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// stop ends the watch (the response body was closed, or the request
// failed) and releases the attempt's context.
func (w *watch) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
	w.timer.Stop()
	w.cancel(nil)
}

type watchedBody struct {
	io.ReadCloser
	w    *watch
	send bool // the request body, read by the transport as it sends
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if b.send {
			b.w.sentBytes(n)
		} else {
			b.w.progress()
		}
	}
	if err != nil && err != io.EOF {
		if se := b.w.stalled(); se != nil {
			return n, se
		}
	}
	return n, err
}

func (b *watchedBody) Close() error {
	err := b.ReadCloser.Close()
	if !b.send {
		b.w.stop()
	}
	return err
}

// urlOp is the Op net/http puts in its *url.Error: "Put", "Get", ...
func urlOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}
