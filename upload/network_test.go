package upload

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/size"
)

// waits records the NetworkListener's events.
type waits struct {
	NopListener
	mu sync.Mutex
	ws []NetworkWait
}

func (w *waits) WaitingForNetwork(nw NetworkWait) {
	w.mu.Lock()
	w.ws = append(w.ws, nw)
	w.mu.Unlock()
}

// A part whose connection stops moving mid-body (the server stops
// reading and never answers) is cancelled after the stall timeout and
// sent again on a new connection, its aws-chunked trailer rebuilt: the
// part arrives exact, and the listener heard that it waited. Without the
// watch the upload would hang until the test's deadline.
func TestStalledPartIsResentOnANewConnection(t *testing.T) {
	srv := &chunkedServer{parts: map[string]chunkedPart{}}
	release := make(chan struct{})
	var stalled atomic.Int32
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("partNumber") == "2" && stalled.Add(1) == 1 {
			io.CopyN(io.Discard, r.Body, 64*1024) // then silence
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	defer close(release)
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, HTTPClient: ts.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	data := randomBytes(12 * size.MiB)
	l := &waits{}
	u := New(client, Options{PartSize: 5 * size.MiB, Concurrency: 3, StallTimeout: 500 * time.Millisecond,
		RetryWindow: 10 * time.Second, Listener: l})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	res, err := u.Upload(ctx, Input{Bucket: "b", Key: "k", Body: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
	if el := time.Since(start); el > 8*time.Second {
		t.Errorf("took %s: the stall was not cut at 500ms", el)
	}
	p := srv.parts["2"]
	if !bytes.Equal(p.data, data[5*size.MiB:10*size.MiB]) {
		t.Fatalf("part 2 arrived with %d bytes, not the source's", len(p.data))
	}
	want, _ := checksum.Sum(checksum.CRC64NVME, bytes.NewReader(p.data))
	if got := p.trailer["x-amz-checksum-crc64nvme"]; got != checksum.Encode(want) {
		t.Errorf("part 2 trailer %q, want %q", got, checksum.Encode(want))
	}
	whole, _ := checksum.Sum(checksum.CRC64NVME, bytes.NewReader(data))
	if res.Checksum != checksum.Encode(whole) {
		t.Errorf("object checksum %s, want %s", res.Checksum, checksum.Encode(whole))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ws) != 1 || l.ws[0].Part != 2 || !l.ws[0].Stalled || !strings.Contains(l.ws[0].Reason, "stalled") {
		t.Errorf("network waits: %+v", l.ws)
	}
}

// A refused connection is retried for the retry window, not for a count
// of attempts, and then fails as endpoint_unreachable naming the window.
func TestRetryWindowThenUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there now: refused
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	l := &waits{}
	// Who we are is not asked after a network failure: the remedy names
	// no principal, and STS would wait on the same network.
	var lookups atomic.Int32
	lookup := func(ctx context.Context) (string, error) {
		lookups.Add(1)
		<-ctx.Done()
		return "", ctx.Err()
	}
	u := New(client, Options{RetryWindow: 2 * time.Second, Listener: l, Diagnostics: Diagnostics{LookupPrincipal: lookup}})
	start := time.Now()
	_, err := u.Upload(context.Background(), Input{Bucket: "b", Key: "k", Body: bytes.NewReader([]byte("hello")), Size: 5})
	el := time.Since(start)
	var d *Diagnosis
	if !errors.As(err, &d) || d.Code != EndpointUnreachable || !strings.Contains(d.Message, "retry window") {
		t.Fatalf("err %v", err)
	}
	if el < 2*time.Second || el > 5*time.Second {
		t.Errorf("gave up after %s, want about the 2s window", el)
	}
	if n := lookups.Load(); n != 0 {
		t.Errorf("the principal was looked up %d times after a network failure", n)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ws) < 2 || l.ws[0].Stalled {
		t.Errorf("want several non-stall network waits, got %+v", l.ws)
	}
}

// --debug (DebugLogging) tells a stall from a plain cancellation: the
// "http error" line carries the watcher's cause, and the upload's final
// error is endpoint_stalled, not endpoint_unreachable.
func TestDebugLogSaysStalled(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select { // never answers
		case <-done:
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(done)
	var out lockedBuffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	}, DebugLogging(logger))
	u := New(client, Options{StallTimeout: 300 * time.Millisecond, RetryWindow: 1 * time.Second})
	_, err := u.Upload(context.Background(), Input{Bucket: "b", Key: "k", Body: bytes.NewReader([]byte("hello")), Size: 5})
	var d *Diagnosis
	if !errors.As(err, &d) || d.Code != EndpointStalled || !strings.Contains(d.Message, "response-header timeout") {
		t.Fatalf("err %v", err)
	}
	if log := out.String(); !strings.Contains(log, `msg="http error"`) || !strings.Contains(log, "stalled: no response within 300ms") {
		t.Errorf("debug log does not say stalled:\n%s", log)
	}
}
