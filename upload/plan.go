package upload

import (
	"fmt"

	"github.com/uploader-dev/uploader/internal/size"
)

// S3's multipart limits and our defaults (the aws CLI's).
const (
	MinPartSize      = 5 * size.MiB
	MaxPartSize      = 5 * size.GiB
	MaxParts         = 10000
	MaxObjectSize    = MaxParts * MaxPartSize // 48.8 TiB
	MaxPutObjectSize = 5 * size.GiB           // a single PutObject's limit
	DefaultPartSize  = 8 * size.MiB
	DefaultThreshold = 8 * size.MiB
	// DefaultStreamPartSize is the part size for sources of unknown size
	// (stdin): 16 MiB x 10,000 parts leaves room for a 156 GiB stream.
	DefaultStreamPartSize = 16 * size.MiB
)

// Plan is how a source will be sent: one PutObject, or multipart with
// PartSize-byte parts. It is computed before any request is made.
type Plan struct {
	Size      int64 // source size; -1 when unknown (a stream)
	Multipart bool
	PartSize  int64 // multipart only
	Parts     int   // multipart only; 0 when the size is unknown
}

// PlanError is a plan that cannot be made: the input is wrong, nothing was
// sent. The CLI maps it to exit 2.
type PlanError struct{ Msg string }

func (e *PlanError) Error() string { return e.Msg }

// PlanOptions are the settings a plan depends on. Zero values take the
// defaults.
type PlanOptions struct {
	Threshold int64 // sizes above it go multipart; 0 = DefaultThreshold
	PartSize  int64 // requested part size; 0 = automatic
	// MaxParts lowers the 10,000-part limit (tests use it to stay small).
	MaxParts int
	// ExpectedSize is, for a stream (size < 0), its expected size: the
	// part size grows from PartSize (or DefaultStreamPartSize) to fit it
	// in MaxParts parts, and a small one is cut in parts as a file of that
	// size would be. 0 = unknown.
	ExpectedSize int64
}

// MakePlan decides how to send size bytes (size < 0: unknown). It is a pure
// function: same input, same plan, no requests.
//
// Multipart parts are the smallest size, at least the requested (or
// default) part size and a whole number of MiB, that fits the object in
// MaxParts parts. An object above the threshold that would fit in one part
// is split in two, since one-part multipart is not what the threshold means.
func MakePlan(sz int64, o PlanOptions) (Plan, error) {
	maxParts := int64(o.MaxParts)
	if maxParts <= 0 || maxParts > MaxParts {
		maxParts = MaxParts
	}
	threshold := o.Threshold
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	if o.PartSize != 0 && (o.PartSize < MinPartSize || o.PartSize > MaxPartSize) {
		return Plan{}, &PlanError{fmt.Sprintf("part size %s is out of range: S3 takes parts of 5 MiB to 5 GiB (e.g. 16 MiB)", size.Format(o.PartSize))}
	}
	if sz < 0 { // a stream: the part size cannot adapt later, so pick it now
		ps := o.PartSize
		if ps == 0 {
			ps = DefaultStreamPartSize
		}
		if o.ExpectedSize > 0 {
			// As a file of that size (threshold 1: always parts) would go.
			p, err := MakePlan(o.ExpectedSize, PlanOptions{PartSize: ps, Threshold: 1, MaxParts: o.MaxParts})
			if err != nil {
				return Plan{}, &PlanError{"expected size: " + err.Error()}
			}
			if p.Multipart {
				ps = p.PartSize
			}
		}
		return Plan{Size: -1, Multipart: true, PartSize: ps}, nil
	}
	if sz > maxParts*MaxPartSize {
		return Plan{}, &PlanError{fmt.Sprintf("source is %s, larger than S3's largest object (%d parts of 5 GiB = %s)", size.Format(sz), maxParts, size.Format(maxParts*MaxPartSize))}
	}
	if sz <= threshold && sz <= MaxPutObjectSize {
		return Plan{Size: sz}, nil
	}
	ps := o.PartSize
	if ps == 0 {
		ps = DefaultPartSize
	}
	if fit := roundUpMiB(ceilDiv(sz, maxParts)); fit > ps {
		ps = fit
	}
	if sz <= ps {
		ps = max(MinPartSize, roundUpMiB(ceilDiv(sz, 2)))
		if sz <= ps {
			// Only possible with a threshold below 5 MiB: two parts would
			// break S3's minimum, so one request it is.
			return Plan{Size: sz}, nil
		}
	}
	return Plan{Size: sz, Multipart: true, PartSize: ps, Parts: int(ceilDiv(sz, ps))}, nil
}

// Plan returns the plan Upload would follow for size bytes with the
// Uploader's options.
func (u *Uploader) Plan(size int64) (Plan, error) {
	return u.PlanFor(Input{Size: size})
}

// PlanFor returns the plan Upload would follow for in: its Size, and its
// PartSize and ExpectedSize over the Uploader's options.
func (u *Uploader) PlanFor(in Input) (Plan, error) {
	ps := u.opts.PartSize
	if in.PartSize != 0 {
		ps = in.PartSize
	}
	return MakePlan(in.Size, PlanOptions{Threshold: u.opts.Threshold, PartSize: ps, MaxParts: u.opts.MaxParts, ExpectedSize: in.ExpectedSize})
}

// Memory is the plan's upper bound on part buffers: none for a file, whose
// parts are read in place, and (concurrency+1) part buffers for a stream.
func (p Plan) Memory(concurrency int, stream bool) int64 {
	if !stream || !p.Multipart {
		return 0
	}
	return int64(concurrency+1) * p.PartSize
}

// PartLen is the length of part n (1-based) of a known-size plan.
func (p Plan) PartLen(n int) int64 {
	if !p.Multipart {
		return p.Size
	}
	off := int64(n-1) * p.PartSize
	return min(p.PartSize, p.Size-off)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

func roundUpMiB(n int64) int64 { return ceilDiv(n, size.MiB) * size.MiB }
