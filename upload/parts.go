package upload

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/journal"
)

// partTable is the parts S3 acknowledged, in this run or (for an adopted
// upload) an earlier one, with the checksums the object checksum is
// derived from, so the source is never read again to complete.
type partTable struct {
	mu   sync.Mutex
	done map[int32]journal.Part
}

func (t *partTable) add(p journal.Part) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done == nil {
		t.done = map[int32]journal.Part{}
	}
	t.done[p.Number] = p
}

func (t *partTable) has(n int32) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.done[n]
	return ok
}

func (t *partTable) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.done)
}

// sorted returns the parts in order, or an error if one in 1..n is missing.
func (t *partTable) sorted() ([]journal.Part, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]journal.Part, 0, len(t.done))
	for _, p := range t.done {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	for i, p := range out {
		if p.Number != int32(i+1) {
			return nil, fmt.Errorf("part %d was never acknowledged", i+1)
		}
	}
	return out, nil
}

// completed is Complete's part list, with each part's checksum (some
// servers require them for a checksummed upload), and the object's size.
func (t *partTable) completed(alg checksum.Algorithm) ([]types.CompletedPart, int64, error) {
	parts, err := t.sorted()
	if err != nil {
		return nil, 0, err
	}
	out := make([]types.CompletedPart, len(parts))
	var size int64
	for i, p := range parts {
		out[i] = types.CompletedPart{PartNumber: aws.Int32(p.Number), ETag: aws.String(p.ETag)}
		if alg != "" && p.Checksum != "" {
			checksum.SetCompletedPart(&out[i], alg, p.Checksum)
		}
		size += p.Size
	}
	return out, size, nil
}

// objectChecksum is the object's checksum derived from the parts'; "" when
// no checksums are sent.
func (t *partTable) objectChecksum(alg checksum.Algorithm) (string, error) {
	if alg == "" {
		return "", nil
	}
	parts, err := t.sorted()
	if err != nil {
		return "", err
	}
	return objectChecksum(alg, parts)
}

// objectChecksum derives the checksum of the object made of parts (all of
// them, in order) from theirs: the full-object CRC for the CRCs, the
// checksum of checksums ("-N") for the SHAs. The one place it is computed,
// for Complete and for an upload an earlier run completed.
func objectChecksum(alg checksum.Algorithm, parts []journal.Part) (string, error) {
	sums := make([]checksum.Part, len(parts))
	for i, p := range parts {
		b, err := checksum.Decode(p.Checksum)
		if err != nil || len(b) != alg.Size() {
			return "", fmt.Errorf("part %d has no usable %s checksum", p.Number, alg)
		}
		sums[i] = checksum.Part{Sum: b, Size: p.Size}
	}
	if !alg.FullObject() {
		return checksum.Composite(alg, sums), nil
	}
	full, err := checksum.FullObject(alg, sums)
	if err != nil {
		return "", err
	}
	return checksum.Encode(full), nil
}

// bytes is the size of the parts acknowledged so far.
func (t *partTable) bytes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var n int64
	for _, p := range t.done {
		n += p.Size
	}
	return n
}

// part is one part to send: a section of a file read in place, or a
// stream's bytes in a pooled buffer.
type part struct {
	n    int32
	off  int64
	size int64
	ra   io.ReaderAt // a file's part
	buf  []byte      // a stream's part, returned to pool on release
	pool *bufferPool
}

func (p *part) body() io.Reader {
	if p.buf != nil {
		return bytes.NewReader(p.buf[:p.size])
	}
	return io.NewSectionReader(p.ra, p.off, p.size)
}

// checksum is the part's checksum (base64) with r's algorithm, "" when
// none is sent. A stream's part is hashed in memory; a file's is read
// through a small reused buffer: a copy out of the page cache plus the
// hash, whatever state the page cache is in.
func (p *part) checksum(r Requests, readBufs *sync.Pool) (string, error) {
	switch {
	case r.alg == "":
		return "", nil
	case p.buf != nil:
		return r.Checksum(p.buf[:p.size]), nil
	}
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	sum, err := checksum.SumAt(r.alg, p.ra, p.off, p.size, *bp)
	if err != nil {
		return "", err
	}
	return checksum.Encode(sum), nil
}

func (p *part) release() {
	if p.buf != nil && p.pool != nil {
		p.pool.put(p.buf)
		p.buf = nil
	}
}
