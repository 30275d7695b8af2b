package upload

import (
	"context"
	"sync"
)

// bufferPool holds the part buffers of stream uploads: at most max of
// them, reused, shared by every upload of an Uploader, so a stream's memory
// is (Concurrency+1) x part size however long it is, with no allocation
// per part. Buffers are made on first use.
type bufferPool struct {
	free chan []byte
	mu   sync.Mutex
	made int
	max  int
}

func newBufferPool(max int) *bufferPool {
	return &bufferPool{free: make(chan []byte, max), max: max}
}

// get returns a buffer of n bytes, waiting for one to be returned when all
// are in use.
func (p *bufferPool) get(ctx context.Context, n int64) ([]byte, error) {
	select {
	case b := <-p.free:
		return fit(b, n), nil
	default:
	}
	p.mu.Lock()
	if p.made < p.max {
		p.made++
		p.mu.Unlock()
		return make([]byte, n), nil
	}
	p.mu.Unlock()
	select {
	case b := <-p.free:
		return fit(b, n), nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// fit reuses b for n bytes, or replaces it when it is too small (an
// upload with a larger part size than the buffer was made for).
func fit(b []byte, n int64) []byte {
	if int64(cap(b)) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func (p *bufferPool) put(b []byte) {
	p.free <- b[:cap(b)]
}
