package upload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/netpolicy"
)

// multipart sends a multipart upload, step by step:
//
//  1. adopt the journal's upload, after ListParts proved its parts, or
//     create one and journal it;
//  2. send the parts still missing, at most the Uploader's concurrency at
//     once, each read once, checksummed, and journaled when S3 acknowledged
//     it; the first failure stops every part;
//  3. check that the source is still the one planned;
//  4. complete, stating the full-object checksum, so S3 itself refuses an
//     object whose bytes differ from the source's;
//  5. remove the journal.
//
// On any failure, finish decides, in one place, whether the upload is
// kept for a rerun or aborted. In step 2 drive is the driver (request
// tokens, the feed, the first failure) and writePart the writer of one
// part: the driver never sees S3's types, the writer never sees the loop.
//
// first is a stream's first part, already read (nil for a file).
func (s *session) multipart(ctx context.Context, first *part) (Result, error) {
	if done, err := s.adoptOrCreate(ctx); err != nil || done != nil {
		if first != nil {
			first.release()
		}
		if done != nil {
			done.Notes = append(s.notes, done.Notes...)
			done.Unfinished = s.unfinishedUploads
			return *done, nil
		}
		return s.keepOrAbort(ctx, err)
	}
	s.started()
	if err := s.sendParts(ctx, first); err != nil {
		return s.keepOrAbort(ctx, err)
	}
	if err := s.src.changed(); err != nil {
		return s.keepOrAbort(ctx, err)
	}
	res := s.result()
	expected, reported, op, err := s.multipartUpload.complete(ctx, &res)
	if err != nil {
		if op != "" {
			err = s.explain(ctx, op, 0, err)
		}
		return s.keepOrAbort(ctx, err)
	}
	if s.jr != nil {
		// A crash before this line is handled by alreadyComplete.
		if rerr := s.jr.Remove(); rerr != nil {
			s.note("the upload completed, but its journal %s could not be removed: %v", s.jr.Path(), rerr)
		}
	}
	// The object exists now: a checksum that differs is reported, not a
	// reason to abort an upload that is no longer there.
	err = s.verifyChecksum(&res, expected, reported)
	res.Notes, res.Unfinished = s.notes, s.unfinishedUploads
	return res, err
}

// adoptOrCreate gives the session its multipart upload: the journal's, when
// a resumable upload has one S3 still holds, or a new one. It returns a
// Result when an earlier run already completed the object.
func (s *session) adoptOrCreate(ctx context.Context) (*Result, error) {
	if s.resumable() {
		jr, err := s.u.opts.Journals.s.Lock(journal.Identity{Source: s.src.path, Bucket: s.in.Bucket, Key: s.in.Key})
		if err != nil {
			return nil, err // a *LockedError
		}
		s.jr = jr
		done, err := s.reconcile(ctx)
		if err != nil || done != nil {
			return done, err
		}
	}
	if err := s.refuseExisting(ctx); err != nil {
		return nil, err
	}
	if s.uploadID != "" {
		return nil, nil // adopted
	}
	// A cancel does not drop S3's answer: S3 made the upload either way,
	// and only its id lets this run journal it (or abort it, below).
	cctx, cancel := netpolicy.Outlive(ctx, createGrace)
	out, err := s.client.CreateMultipartUpload(cctx, s.req.CreateMultipartUpload(), s.wire.call("CreateMultipartUpload", 0)...)
	cancel()
	if err != nil {
		return nil, s.explain(ctx, "CreateMultipartUpload", 0, err)
	}
	s.uploadID, s.created = aws.ToString(out.UploadId), true
	s.diag.createdKey, s.diag.bucketKey = aws.ToString(out.SSEKMSKeyId), aws.ToBool(out.BucketKeyEnabled)
	if s.jr == nil {
		return nil, nil
	}
	rec := journal.Record{
		Identity: journal.Identity{Source: s.src.path, Bucket: s.in.Bucket, Key: s.in.Key},
		Settings: s.settings(), UploadID: s.uploadID, Created: time.Now().UTC(),
	}
	if err := s.jr.Begin(rec); err != nil {
		// Without a journal a crash would orphan the upload: do not start.
		// With no journal, finish aborts it: no rerun could resume it.
		s.jr = nil
		return nil, fmt.Errorf("writing the resume journal: %w", err)
	}
	return nil, nil
}

// refuseExisting checks, before any part is sent, that a --no-overwrite
// target does not exist: S3 checks the condition only at Complete, after
// every byte went out. Without s3:GetObject the check is left to Complete.
func (s *session) refuseExisting(ctx context.Context) error {
	if !s.in.NoOverwrite {
		return nil
	}
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.in.Bucket, Key: &s.in.Key}, s.wire.call("HeadObject", 0)...)
	if err != nil {
		return nil // 404: go on; any other answer: S3 checks at Complete
	}
	return &ObjectExistsError{Bucket: s.in.Bucket, Key: s.in.Key}
}

// started tells the listener the upload id and what an earlier run sent.
func (s *session) started() {
	s.listener.Started(StartInfo{Bucket: s.in.Bucket, Key: s.in.Key, Size: s.in.Size, Plan: s.plan,
		Concurrency: s.u.opts.Concurrency, UploadID: s.uploadID, Resumed: s.resumed})
}

// sendParts is step 2: the driver sends the parts still missing through
// the upload's writePart; then the first failure, once every part has
// stopped, is explained, and a stop before the last part is ErrStopped
// for a stream (which cannot be completed short) or a file not all sent.
func (s *session) sendParts(ctx context.Context, first *part) error {
	feed := s.feed(first)
	defer feed.close()
	stopped := drive(ctx, s.u.limit, s.in.Stop, feed, &s.failure, s.multipartUpload.writePart)
	if op, part, err := s.failure.first(); err != nil {
		if op != "" {
			err = s.explain(ctx, op, part, err)
		}
		return err
	}
	if errors.Is(stopped, ErrStopped) && (s.ra == nil || s.parts.count() < s.plan.Parts) {
		return ErrStopped
	}
	if stopped != nil && !errors.Is(stopped, ErrStopped) {
		return stopped // the caller's context
	}
	return ctx.Err()
}

// drive is the driver: it writes every part feed hands out with write, as
// many at once as limit gives tokens (shared by every upload of the
// Uploader). The first failure, recorded in f, cancels the parts in flight
// and starts no other; stop closed starts no other but lets those in
// flight finish. It returns once every part it started has ended, with
// why it stopped early: ErrStopped, or ctx's error while it waited for a
// token; nil when the feed ran out or a part failed (f holds the failure).
// It never sees S3's types, nor the upload behind write.
func drive(ctx context.Context, limit *adaptiveLimit, stop <-chan struct{}, feed partFeed, f *failure,
	write func(context.Context, *part) (op string, err error)) (stopped error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	f.cancel = cancel
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		if err := limit.acquire(ctx, stop); err != nil {
			if f.failed.Load() {
				return nil // a part's failure cancelled the wait: f has it
			}
			return err
		}
		if ctx.Err() != nil {
			// The token came back from the part whose failure stopped
			// the upload: start nothing with it.
			limit.release()
			return nil
		}
		p, err := feed.next(ctx)
		if err != nil || p == nil {
			limit.release()
			if err != nil {
				f.record(err, "", 0)
			}
			return nil
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer limit.release()
			defer p.release()
			if op, err := write(ctx, p); err != nil {
				f.record(err, op, p.n)
			}
		}()
	}
	return nil
}

// writePart checksums part p, sends it, checks S3's answer and journals it.
// It knows nothing of the loop nor of the session: a failure is returned,
// with op the S3 operation that returned it ("" for a read, a checksum
// mismatch, the journal), and the driver decides what stops.
func (m *multipartUpload) writePart(ctx context.Context, p *part) (op string, err error) {
	// A stream's part is in memory: hashed first. A file's part is hashed
	// as the transport reads it (an aws-chunked trailer): read once.
	var sum string
	var trailer *partTrailer
	switch {
	case p.buf != nil:
		sum = m.req.Checksum(p.buf[:p.size])
	case m.req.alg != "":
		trailer = &partTrailer{alg: m.req.alg}
	}
	t := &sendTracker{limit: p.size, listener: m.listener, part: p.n}
	m.flight.begin(t)
	defer m.flight.end(t)
	in := m.req.UploadPart(m.uploadID, p.n, p.body(), p.size, sum)
	opts := m.wire.data(t, "UploadPart", p.n)
	if trailer != nil {
		opts = append(opts, trailer.option, noSDKChecksum)
	}
	out, err := m.client.UploadPart(ctx, in, opts...)
	if err != nil {
		return "UploadPart", err
	}
	if trailer != nil {
		if sum = trailer.checksum(); sum == "" {
			return "", errNoTrailer
		}
	}
	if got := checksum.FromUploadPart(out, m.req.alg); got != "" && got != sum {
		return "", &ChecksumError{What: fmt.Sprintf("part %d", p.n), Local: sum, Remote: got}
	}
	t.finish() // whatever the transport saw, an acknowledged part is all sent
	done := journal.Part{Number: p.n, Size: p.size, ETag: aws.ToString(out.ETag), Checksum: sum}
	m.parts.add(done)
	if m.jr != nil {
		if err := m.jr.AddPart(done); err != nil {
			return "", fmt.Errorf("recording part %d in the resume journal: %w", p.n, err)
		}
	}
	m.listener.PartDone(PartInfo{Number: p.n, Size: p.size, ETag: done.ETag})
	return "", nil
}

// complete asks S3 to assemble the parts, stating the object checksum
// derived from the parts' so S3 refuses an object that differs. It fills
// res from S3's answer and returns that checksum and the one S3 reports,
// for verifyChecksum; op is the S3 operation that failed ("" for none).
func (m *multipartUpload) complete(ctx context.Context, res *Result) (expected, reported, op string, err error) {
	parts, size, err := m.parts.completed(m.req.alg)
	if err != nil {
		return "", "", "", err
	}
	if res.Size < 0 {
		res.Size = size
	}
	res.Parts = len(parts)
	if expected, err = m.parts.objectChecksum(m.req.alg); err != nil {
		return "", "", "", err
	}
	out, err := m.client.CompleteMultipartUpload(ctx, m.req.CompleteMultipartUpload(m.uploadID, parts, expected, size), m.wire.call("CompleteMultipartUpload", 0)...)
	if err != nil {
		return "", "", "CompleteMultipartUpload", err
	}
	res.stored(out.ETag, out.VersionId, out.ServerSideEncryption, out.SSEKMSKeyId, out.BucketKeyEnabled)
	reported, _ = checksum.FromComplete(out, m.req.alg)
	return expected, reported, "", nil
}

// keepOrAbort ends a failed multipart upload: a changed source explains
// any read or send error, and finish keeps or aborts the upload.
func (s *session) keepOrAbort(ctx context.Context, err error) (Result, error) {
	if changed := s.src.changed(); changed != nil {
		// A changed source explains any read or send error, and an upload
		// of it can never complete.
		err = changed
	}
	return s.result(), s.multipartUpload.finish(ctx, s.asObjectExists(err))
}

// finish decides, in one place, what becomes of a multipart upload that
// failed with err. One with a journal is kept for a rerun, unless the
// source changed, the key exists under --no-overwrite, the stream was too
// large, or the caller asked to abort; anything else (a stream, no
// journal) is aborted.
func (m *multipartUpload) finish(ctx context.Context, err error) *Error {
	uerr := &Error{Op: "multipart upload", UploadID: m.uploadID, Err: err}
	if m.uploadID == "" {
		return uerr
	}
	var changed *SourceChangedError
	var exists *ObjectExistsError
	var tooLarge *StreamTooLargeError
	permanentlyStuck := errors.As(err, &changed) || errors.As(err, &exists) || errors.As(err, &tooLarge)
	if m.jr != nil && !m.abortOnFailure && !permanentlyStuck {
		uerr.Kept = true
		return uerr
	}
	uerr.AbortErr = m.abort(ctx, m.uploadID)
	uerr.Aborted = uerr.AbortErr == nil
	if uerr.Aborted && m.jr != nil {
		_ = m.jr.Remove() // the journal's upload is gone
	}
	return uerr
}

// createGrace bounds the wait for S3's answer to CreateMultipartUpload
// after a cancel (a second Ctrl-C): the upload it made is then journaled
// or aborted, not orphaned.
const createGrace = 5 * time.Second

// abort removes the multipart upload uploadID of this key (this upload's,
// or one a journal named), even when ctx is cancelled (netpolicy.Cleanup:
// 30 s, or 5 s once ctx has ended).
func (m *multipartUpload) abort(ctx context.Context, uploadID string) error {
	actx, cancel := netpolicy.Cleanup(ctx)
	defer cancel()
	if err := sendAbort(actx, m.client, m.req.in.Bucket, m.req.in.Key, uploadID, m.wire.abortCall()...); err != nil {
		return fmt.Errorf("aborting multipart upload %s: %w", uploadID, err)
	}
	return nil
}
