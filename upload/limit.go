package upload

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ErrStopped is returned for an upload whose remaining parts were not
// started because the caller asked it to stop (Input.Stop). Parts already
// in flight finish; a resumable upload is kept.
var ErrStopped = errors.New("upload stopped before all parts were sent")

// adaptiveLimit is a semaphore whose size moves between 1 and max. Tokens
// live in a channel; shrinking withholds tokens as they come back.
type adaptiveLimit struct {
	tokens chan struct{}
	max    int
	now    func() time.Time

	mu        sync.Mutex
	withheld  int // tokens taken out of circulation
	debt      int // tokens to withhold when they come back
	successes int
	lastHalve time.Time
}

// halveEvery keeps one burst of SlowDowns from halving the limit many
// times over: the parts in that burst all saw the same overload.
const halveEvery = time.Second

func newAdaptiveLimit(max int) *adaptiveLimit {
	l := &adaptiveLimit{tokens: make(chan struct{}, max), max: max, now: time.Now}
	for i := 0; i < max; i++ {
		l.tokens <- struct{}{}
	}
	return l
}

func (l *adaptiveLimit) acquire(ctx context.Context, stop <-chan struct{}) error {
	select {
	case <-stop:
		return ErrStopped
	default:
	}
	select {
	case <-l.tokens:
	case <-stop:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select { // a stop that raced with the token wins: send nothing new
	case <-stop:
		l.release()
		return ErrStopped
	default:
		return nil
	}
}

func (l *adaptiveLimit) release() {
	l.mu.Lock()
	if l.debt > 0 {
		l.debt--
		l.withheld++
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.tokens <- struct{}{}
}

// current is limit with l.mu held.
func (l *adaptiveLimit) current() int { return l.max - l.withheld - l.debt }

// slowDown halves the limit (not below 1).
func (l *adaptiveLimit) slowDown() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, cur := l.now(), l.current()
	if cur <= 1 || now.Sub(l.lastHalve) < halveEvery {
		return
	}
	l.lastHalve = now
	l.debt += cur - cur/2
	l.successes = 0
}

// success grows the limit by one after a full limit's worth of parts
// succeeded since the last change.
func (l *adaptiveLimit) success() {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.current()
	if cur >= l.max {
		return
	}
	if l.successes++; l.successes < cur {
		return
	}
	l.successes = 0
	if l.debt > 0 { // a token not yet withheld: just keep it
		l.debt--
		return
	}
	l.withheld--
	l.tokens <- struct{}{} // never blocks: the channel holds max tokens
}

// observe is a per-request option that watches every attempt's HTTP status,
// retries included (the SDK retries SlowDown inside one UploadPart call).
func (l *adaptiveLimit) observe(o *s3.Options) {
	o.HTTPClient = statusObserver{next: o.HTTPClient, l: l}
}

type statusObserver struct {
	next aws.HTTPClient
	l    *adaptiveLimit
}

func (s statusObserver) Do(req *http.Request) (*http.Response, error) {
	resp, err := s.next.Do(req)
	if err == nil {
		switch {
		case resp.StatusCode == http.StatusServiceUnavailable:
			s.l.slowDown()
		case resp.StatusCode < 300:
			s.l.success()
		}
	}
	return resp, err
}
