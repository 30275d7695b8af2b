package netpolicy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

func watched(win time.Duration) *http.Client {
	c := WithStallTimeout(http.DefaultClient, Fixed(win))
	return &http.Client{Transport: roundTripper{c}}
}

type roundTripper struct {
	c interface {
		Do(*http.Request) (*http.Response, error)
	}
}

func (r roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return r.c.Do(req) }

// slowBody gives n bytes, one every gap.
type slowBody struct {
	n   int
	gap time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(b.gap)
	b.n--
	p[0] = 'x'
	return 1, nil
}

// The window measures silence, not total time: a request that moves a
// byte every 100ms for 1.5s lives under a 400ms window.
func TestSlowButMovingIsNotAStall(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		for i := 0; i < 10; i++ { // the response moves slowly too
			w.Write([]byte("y"))
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
		_ = n
	}))
	defer ts.Close()
	req, _ := http.NewRequest("PUT", ts.URL, &slowBody{n: 5, gap: 100 * time.Millisecond})
	req.ContentLength = 5
	resp, err := watched(400 * time.Millisecond).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != 10 {
		t.Fatalf("read %d bytes: %v", len(b), err)
	}
}

// A server that takes the request and never answers trips the
// response-header timeout; one that stops mid-response is a stall while
// reading it.
func TestStallPhases(t *testing.T) {
	done := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/midway" {
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}))
	defer ts.Close()
	defer close(done) // before Close, which waits for the handlers

	start := time.Now()
	_, err := watched(300*time.Millisecond).Post(ts.URL+"/silent", "text/plain", strings.NewReader("hello"))
	var se *StallError
	if !errors.As(err, &se) || se.Phase != PhaseWait || !se.Stalled() {
		t.Fatalf("silent server: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s", el)
	}
	if !strings.Contains(err.Error(), "response-header timeout") {
		t.Errorf("message: %v", err)
	}

	resp, err := watched(300 * time.Millisecond).Get(ts.URL + "/midway")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.As(err, &se) || se.Phase != PhaseReceive {
		t.Fatalf("midway: %v", err)
	}
}

// holdingBody waits inside Hold (as the bandwidth limit does) for longer
// than the window between its bytes.
type holdingBody struct {
	ctx context.Context
	n   int
}

func (b *holdingBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.EOF
	}
	release := Hold(b.ctx)
	time.Sleep(700 * time.Millisecond)
	release()
	b.n--
	p[0] = 'x'
	return 1, nil
}

// Our own waits (the bandwidth limit) are held: not taken for a stall.
func TestHeldWaitIsNotAStall(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer ts.Close()
	body := &holdingBody{n: 2}
	// The body needs the request's context, which the watcher makes: a
	// client in between hands it over, as countingHTTPClient does.
	inner := clientFunc(func(req *http.Request) (*http.Response, error) {
		body.ctx = req.Context()
		return http.DefaultClient.Do(req)
	})
	c := WithStallTimeout(inner, Fixed(300*time.Millisecond))
	req, _ := http.NewRequest("PUT", ts.URL, body)
	req.ContentLength = 2
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// Network failures are retried for the window, then a WindowError;
// answered failures stop at MaxAttempts; no retry needs a token.
func TestRetryPolicy(t *testing.T) {
	netErr := &StallError{Phase: PhaseSend, Window: time.Second, Endpoint: "http://x"}
	var waits []Wait
	r := Policy{Window: 1500 * time.Millisecond, MaxAttempts: 2, OnWait: func(w Wait) { waits = append(waits, w) }}.Retryer(retry.NewStandard())
	if r.MaxAttempts() != 0 || !r.IsErrorRetryable(netErr) {
		t.Fatal("a stall must be retryable, with no attempt limit for the SDK's loop")
	}
	var err error
	start := time.Now()
	for n := 1; n < 100 && err == nil; n++ {
		if _, terr := r.GetRetryToken(context.Background(), netErr); terr != nil {
			t.Fatal(terr)
		}
		var d time.Duration
		d, err = r.RetryDelay(n, netErr)
		time.Sleep(d)
	}
	var we *WindowError
	if !errors.As(err, &we) || !errors.Is(err, error(netErr)) {
		t.Fatalf("after the window: %v", err)
	}
	if el := time.Since(start); el < 1500*time.Millisecond || el > 3*time.Second {
		t.Errorf("window closed after %s", el)
	}
	if len(waits) < 2 || !waits[0].Stalled {
		t.Errorf("waits %+v", waits)
	}

	answered := errors.New("503")
	r = Policy{Window: time.Minute, MaxAttempts: 2}.Retryer(retry.NewStandard())
	if _, err := r.RetryDelay(1, answered); err != nil {
		t.Fatal(err)
	}
	var ma *retry.MaxAttemptsError
	if _, err := r.RetryDelay(2, answered); !errors.As(err, &ma) || ma.Attempt != 2 {
		t.Fatalf("second answered failure: %v", err)
	}
}
