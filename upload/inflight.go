package upload

import "sync/atomic"

// InFlight is what an Uploader has on the wire: data requests (parts and
// single PutObjects, of every Upload sharing it) started and not yet
// answered, and the bytes of them still to send. A caller that stops an
// upload gently (Input.Stop) reads it to tell the user what it waits for.
type InFlight struct {
	Requests  int
	BytesLeft int64
}

// InFlight returns what is on the wire now.
func (u *Uploader) InFlight() InFlight {
	return InFlight{Requests: int(u.flight.requests.Load()), BytesLeft: max(u.flight.left.Load(), 0)}
}

// flight counts the data requests on the wire and their unsent bytes.
// Each sendTracker is begun once and ended once; its advances in between
// move bytes from left to sent.
type flight struct {
	requests atomic.Int64
	left     atomic.Int64
}

func (f *flight) begin(t *sendTracker) {
	t.flight = f
	f.requests.Add(1)
	f.left.Add(t.limit)
}

// end takes the request off the wire: its bytes not yet sent will not be.
func (f *flight) end(t *sendTracker) {
	t.mu.Lock()
	unsent := t.limit - t.reported
	t.flight = nil
	t.mu.Unlock()
	f.left.Add(-unsent)
	f.requests.Add(-1)
}
