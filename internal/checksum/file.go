package checksum

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ReadBufferSize is the size of the buffer SumAt reads through: small
// enough to stay in the CPU's cache between the copy and the hash, large
// enough that a pread costs little per byte. The cost of a pass is then a
// copy out of the page cache plus the hash, whatever the page cache holds
// (an mmap'd pass was 3x cheaper on files written in large writes and 2x
// dearer on files written through a pipe, whose pages fault one by one).
const ReadBufferSize = 256 << 10

// ErrShortRead is a source that ended before the bytes it was planned to
// have: it shrank while it was read.
var ErrShortRead = errors.New("the source ended early")

// SumAt returns a's checksum of the n bytes of r at off, read with ReadAt
// through buf (any size; ReadBufferSize is a good one).
func SumAt(a Algorithm, r io.ReaderAt, off, n int64, buf []byte) ([]byte, error) {
	h := a.New()
	for n > 0 {
		chunk := buf[:min(int64(len(buf)), n)]
		got, err := r.ReadAt(chunk, off)
		h.Write(chunk[:got])
		off += int64(got)
		n -= int64(got)
		switch {
		case n == 0:
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%w: %d bytes missing at offset %d", ErrShortRead, n, off)
		case err != nil:
			return nil, err
		}
	}
	return h.Sum(nil), nil
}

// WithContext returns r whose reads fail with ctx's error once ctx is
// done, so that a long SumAt (a whole file) stops between two reads.
func WithContext(ctx context.Context, r io.ReaderAt) io.ReaderAt {
	return ctxReaderAt{ctx: ctx, r: r}
}

type ctxReaderAt struct {
	ctx context.Context
	r   io.ReaderAt
}

func (c ctxReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.ReadAt(p, off)
}
