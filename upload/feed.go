package upload

import (
	"context"
	"fmt"
	"io"
)

// partFeed hands out the parts still to send, in order; nil when there
// are no more.
type partFeed interface {
	next(ctx context.Context) (*part, error)
	close()
}

func (s *session) feed(first *part) partFeed {
	if s.ra != nil {
		return &fileFeed{ra: s.ra, plan: s.plan, done: &s.parts}
	}
	return &streamFeed{body: s.in.Body, name: s.sourceName(), partSize: s.plan.PartSize, maxParts: s.maxParts(),
		buffers: s.u.buffers, first: first, n: 1}
}

// fileFeed is a file's parts, skipping those an earlier run uploaded.
type fileFeed struct {
	ra   io.ReaderAt
	plan Plan
	done *partTable // parts not to send again
	n    int32
}

func (f *fileFeed) next(context.Context) (*part, error) {
	for {
		f.n++
		if int(f.n) > f.plan.Parts {
			return nil, nil
		}
		if !f.done.has(f.n) {
			off := int64(f.n-1) * f.plan.PartSize
			return &part{n: f.n, off: off, size: f.plan.PartLen(int(f.n)), ra: f.ra}, nil
		}
	}
}

func (f *fileFeed) close() {}

// streamFeed reads a stream a part at a time into the Uploader's buffers
// (at most Concurrency+1 of them, shared by every upload), so memory does
// not grow with the stream. It stops at the part limit rather than
// complete a truncated object.
type streamFeed struct {
	body     io.Reader
	name     string // of the source, for errors
	partSize int64
	maxParts int
	buffers  *bufferPool
	first    *part // already read by stream()
	n        int32 // number of the next part
	eof      bool
}

func (f *streamFeed) next(ctx context.Context) (*part, error) {
	if p := f.first; p != nil {
		f.first, f.n = nil, p.n+1
		return p, nil
	}
	if f.eof {
		return nil, nil
	}
	ps := f.partSize
	buf, err := f.buffers.get(ctx, ps)
	if err != nil {
		return nil, err
	}
	m, err := io.ReadFull(f.body, buf)
	switch {
	// ReadFull returns these two values themselves for the end of the
	// stream; a producer's error that wraps one (a truncated gzip's
	// unexpected EOF) is a failure, not the end.
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		f.eof = true
	case err != nil:
		f.buffers.put(buf)
		return nil, fmt.Errorf("reading %s: %w", f.name, err)
	}
	if m == 0 {
		f.buffers.put(buf)
		return nil, nil
	}
	if limit := f.maxParts; int(f.n) > limit {
		f.buffers.put(buf)
		return nil, &StreamTooLargeError{MaxParts: limit, PartSize: ps}
	}
	p := &part{n: f.n, size: int64(m), buf: buf, pool: f.buffers}
	f.n++
	return p, nil
}

func (f *streamFeed) close() {
	if f.first != nil {
		f.first.release()
	}
}

// maxParts is S3's part limit, or the lower one the options set.
func (s *session) maxParts() int {
	if s.u.opts.MaxParts > 0 && s.u.opts.MaxParts < MaxParts {
		return s.u.opts.MaxParts
	}
	return MaxParts
}
