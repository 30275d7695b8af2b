package upload

import (
	"context"
	"errors"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// single sends p (a whole file, or a short stream's bytes in memory) as
// one PutObject with the object's checksum, which S3 checks (BadDigest on
// a mismatch). It takes a request token like a part, so the small files of
// a directory upload share the budget with the big ones' parts.
func (s *session) single(ctx context.Context, p *part) (Result, error) {
	size := p.size
	plan := Plan{Size: size} // a stream planned for parts may be short
	s.diag.onePut = true
	res := s.result()
	res.Size, res.Plan = size, plan
	if err := s.u.limit.acquire(ctx, s.in.Stop); err != nil {
		return res, &Error{Op: "PutObject", Err: err}
	}
	defer s.u.limit.release()
	s.listener.Started(StartInfo{Bucket: s.in.Bucket, Key: s.in.Key, Size: size, Plan: plan, Concurrency: 1})
	sum, err := p.checksum(s.req, &s.u.readBufs)
	if err != nil {
		return res, &Error{Op: "PutObject", Err: s.readFailed(p, err)}
	}
	t := &sendTracker{limit: size, listener: s.listener}
	s.flight.begin(t)
	defer s.flight.end(t)
	out, err := s.client.PutObject(ctx, s.req.PutObject(p.body(), size, sum), s.wire.data(t, "PutObject", 0)...)
	if err != nil {
		if changed := s.src.changed(); changed != nil {
			return res, &Error{Op: "PutObject", Err: changed}
		}
		return res, &Error{Op: "PutObject", Err: s.asObjectExists(s.explain(ctx, "PutObject", 0, err))}
	}
	t.finish()
	if err := s.src.changed(); err != nil {
		var changed *SourceChangedError
		if errors.As(err, &changed) {
			changed.Stored = true
		}
		return res, &Error{Op: "PutObject", Err: err}
	}
	res.stored(out.ETag, out.VersionId, out.ServerSideEncryption, out.SSEKMSKeyId, out.BucketKeyEnabled)
	err = s.verifyChecksum(&res, sum, checksum.FromPutObject(out, s.req.alg))
	res.Notes = s.notes
	return res, err
}
