package upload

import (
	"context"
	"sync"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

// InFlight counts the parts on the wire and their unsent bytes, across
// the Uploader's uploads, and comes back to zero however they end.
func TestInFlightCountsPartsOnTheWire(t *testing.T) {
	const parts = 3
	f := newFake()
	entered := make(chan int32, parts)
	release := make(chan struct{})
	f.failPart = func(n int32) error {
		entered <- n
		<-release // held before its body is read: all of it unsent
		return nil
	}
	u := New(f, Options{Concurrency: parts, PartSize: 5 * size.MiB})
	data := randomBytes(parts * 5 * size.MiB)
	var wg sync.WaitGroup
	wg.Add(1)
	var err error
	go func() {
		defer wg.Done()
		_, err = u.Upload(context.Background(), kmsInput(data))
	}()
	for range parts {
		<-entered
	}
	got := u.InFlight()
	if got.Requests != parts || got.BytesLeft != int64(len(data)) {
		t.Fatalf("in flight %+v, want %d requests and %d bytes left", got, parts, len(data))
	}
	close(release)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := u.InFlight(); got != (InFlight{}) {
		t.Fatalf("after the upload: %+v, want nothing in flight", got)
	}
}

// A part that fails takes its unsent bytes off the wire too.
func TestInFlightAfterAFailure(t *testing.T) {
	f := newFake()
	f.failPart = func(n int32) error { return s3Denied("UploadPart") }
	u := New(f, Options{Concurrency: 2, PartSize: 5 * size.MiB})
	if _, err := u.Upload(context.Background(), kmsInput(randomBytes(12*size.MiB))); err == nil {
		t.Fatal("the upload succeeded")
	}
	if got := u.InFlight(); got != (InFlight{}) {
		t.Fatalf("after a failed upload: %+v, want nothing in flight", got)
	}
}
