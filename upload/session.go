package upload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/ratelimit"
)

// session is one Upload: the plan, the decorators around the client, and
// what they share (part checksums, the journal, the source's state).
type session struct {
	opts Options
	in   Input
	plan Plan

	base  Client // the caller's client
	diag  *diagnosingClient
	sums  *partSums
	ck    *checksumClient // nil with NoChecksum
	src   sourceState
	jr    *journal.Journal
	prior *resumeState // what a journal proved already uploaded
	notes []string
}

// sourceState is a file source's size and mtime when the upload started.
type sourceState struct {
	path    string
	size    int64
	modTime time.Time
}

func newSession(u *Uploader, in Input, plan Plan, stop context.CancelCauseFunc) (*session, error) {
	s := &session{opts: u.opts, in: in, plan: plan, base: u.client, sums: &partSums{}}
	s.diag = &diagnosingClient{Client: u.client, info: u.opts.Diagnostics, in: in, plan: plan, stop: stop}
	if in.SourcePath != "" {
		fi, err := os.Stat(in.SourcePath)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", in.SourcePath, err)
		}
		if in.Size >= 0 && fi.Size() != in.Size {
			return nil, &SourceChangedError{Path: in.SourcePath, Why: fmt.Sprintf("its size is %d bytes, not the %d planned", fi.Size(), in.Size)}
		}
		s.src = sourceState{path: in.SourcePath, size: fi.Size(), modTime: fi.ModTime()}
	}
	return s, nil
}

func (s *session) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// chain builds the client manager drives; outermost first: flow control,
// start notice, resume, progress, checksums, source guard, diagnosis.
func (s *session) chain() Client {
	var c Client = s.diag
	if s.src.path != "" {
		c = &sourceGuard{Client: c, src: s.src}
	}
	if !s.opts.NoChecksum {
		s.ck = &checksumClient{Client: c, alg: s.opts.Checksum, sums: s.sums}
		c = s.ck
	}
	c = progressClient{Client: c, listener: s.opts.Listener, limit: ratelimit.New(s.opts.MaxBandwidth)}
	if s.jr != nil {
		c = &resumeClient{Client: c, s: s}
	}
	c = &startNotifier{Client: c, s: s}
	return &flowClient{Client: c, stop: s.in.Stop, lim: newAdaptiveLimit(s.opts.Concurrency)}
}

func (s *session) resumable() bool {
	return s.opts.Journals != nil && s.src.path != "" && s.plan.Multipart && s.plan.Size >= 0
}

func (s *session) run(ctx context.Context) (Result, error) {
	res := Result{Bucket: s.in.Bucket, Key: s.in.Key, Size: s.in.Size, Plan: s.plan}
	if !s.plan.Multipart {
		return s.single(ctx, res)
	}
	if s.resumable() {
		jr, err := s.opts.Journals.Lock(journal.Identity{Source: s.src.path, Bucket: s.in.Bucket, Key: s.in.Key})
		if err != nil {
			return res, err
		}
		defer jr.Close()
		s.jr = jr
		done, err := s.reconcile(ctx)
		if err != nil {
			return res, err
		}
		if done != nil {
			done.Notes = append(s.notes, done.Notes...)
			return *done, nil
		}
	}
	if err := s.refuseExisting(ctx); err != nil {
		return res, err
	}
	return s.multipart(ctx, res)
}

// refuseExisting checks, before any part is sent, that a --no-overwrite
// target does not exist: S3 checks the condition only at Complete, after
// every byte went out. A kept upload for it is aborted: it could never
// complete. Without s3:GetObject the check is left to Complete.
func (s *session) refuseExisting(ctx context.Context) error {
	if !s.in.NoOverwrite {
		return nil
	}
	_, err := s.base.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.in.Bucket), Key: aws.String(s.in.Key)})
	if err != nil {
		return nil // 404: go on; any other answer: S3 checks at Complete
	}
	exists := &ObjectExistsError{Bucket: s.in.Bucket, Key: s.in.Key}
	if s.prior != nil {
		aerr := abort(ctx, s.base, s.in.Bucket, s.in.Key, s.prior.uploadID)
		if aerr == nil && s.jr != nil {
			_ = s.jr.Remove()
		}
		return &Error{Op: "multipart upload", UploadID: s.prior.uploadID, Aborted: aerr == nil, AbortErr: aerr, Err: exists}
	}
	return exists
}

// existsOr turns S3's 412 PreconditionFailed of a --no-overwrite upload
// into an ObjectExistsError.
func (s *session) existsOr(err error) error {
	if s.in.NoOverwrite && (diagnose.HTTPStatus(err) == 412 || diagnose.ErrorCode(err) == "PreconditionFailed") {
		return &ObjectExistsError{Bucket: s.in.Bucket, Key: s.in.Key}
	}
	return err
}

// single sends a source at or under the threshold as one PutObject.
func (s *session) single(ctx context.Context, res Result) (Result, error) {
	s.opts.Listener.Started(StartInfo{Bucket: s.in.Bucket, Key: s.in.Key, Size: s.in.Size, Plan: s.plan, Concurrency: 1})
	client := s.chain()
	put := putInput(s.in)
	put.Body = bodyReader(s.in)
	put.ContentLength = aws.Int64(s.in.Size)
	o, err := client.PutObject(ctx, put)
	if err != nil {
		return res, &Error{Op: "PutObject", Err: s.existsOr(err)}
	}
	if err := s.src.unchanged(); err != nil {
		return res, &Error{Op: "PutObject", Err: fmt.Errorf("%w; the object was stored from a source that was changing: upload it again", err)}
	}
	res.ETag, res.VersionID = aws.ToString(o.ETag), aws.ToString(o.VersionId)
	res.SSE, res.KMSKeyID, res.BucketKey = string(o.ServerSideEncryption), aws.ToString(o.SSEKMSKeyId), aws.ToBool(o.BucketKeyEnabled)
	err = s.verifyChecksum(&res, func(a checksum.Algorithm) string { return checksum.FromPutObject(o, a) })
	res.Notes = s.notes
	return res, err
}

// multipart drives manager.Uploader. Parts are left on error
// (LeavePartsOnError): we decide ourselves whether to keep the upload for
// a resume or abort it, on a context detached from the caller's, so a
// cancelled upload is still cleaned up and the abort's failure reported.
func (s *session) multipart(ctx context.Context, res Result) (Result, error) {
	client := s.chain()
	mu := manager.NewUploader(client, func(m *manager.Uploader) {
		m.PartSize = s.plan.PartSize
		m.Concurrency = s.opts.Concurrency
		m.LeavePartsOnError = true
		// A known size is planned to fit; manager would otherwise shrink
		// parts for exactly 10,000. A stream must stop at the limit.
		m.MaxUploadParts = MaxParts + 1
		if s.plan.Size < 0 {
			m.MaxUploadParts = int32(MaxParts)
			if s.opts.MaxParts > 0 {
				m.MaxUploadParts = int32(s.opts.MaxParts)
			}
		}
		if s.opts.NoChecksum {
			m.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
	})
	put := putInput(s.in)
	body := bodyReader(s.in)
	var stream *countReader
	if s.plan.Size < 0 {
		// The wrapper also hides ReadAt and Seek: os.Stdin is an *os.File,
		// and manager would take a pipe for a seekable file.
		stream = &countReader{r: body}
		body = stream
	}
	put.Body = body
	if s.ck != nil {
		put.ChecksumAlgorithm = s.ck.alg.SDK()
	}
	out, err := mu.Upload(ctx, put)
	if err != nil {
		var cause error
		if stream != nil && stream.n > int64(mu.MaxUploadParts)*s.plan.PartSize {
			cause = &StreamTooLargeError{MaxParts: int(mu.MaxUploadParts), PartSize: s.plan.PartSize}
		}
		return res, s.fail(ctx, err, cause)
	}
	res.UploadID = out.UploadID
	res.ETag, res.VersionID = aws.ToString(out.ETag), aws.ToString(out.VersionID)
	res.SSE, res.KMSKeyID, res.BucketKey = string(out.ServerSideEncryption), aws.ToString(out.SSEKMSKeyId), out.BucketKeyEnabled
	if s.prior != nil {
		res.Resumed = s.prior.bytes()
	}
	if res.Size < 0 {
		res.Size = stream.n
	}
	err = s.verifyChecksum(&res, func(a checksum.Algorithm) string { return checksum.FromUpload(out, a) })
	res.Notes = s.notes
	return res, err
}

// fail decides what becomes of a failed multipart upload. A file upload
// with a journal is kept for a rerun, unless the source changed or the
// caller asked to abort; anything else (a stream, no journal) is aborted.
// cause, when set, replaces manager's error as the reported cause.
func (s *session) fail(ctx context.Context, err, cause error) error {
	uerr := &Error{Op: "multipart upload", Err: err}
	var mf manager.MultiUploadFailure
	if errors.As(err, &mf) {
		uerr.UploadID = mf.UploadID()
		if c := errors.Unwrap(err); c != nil {
			uerr.Err = c // manager's wrapper adds only the id, which we keep
		}
	}
	if cause != nil {
		uerr.Err = cause
	}
	uerr.Err = s.existsOr(uerr.Err)
	if uerr.UploadID == "" {
		return uerr
	}
	// A changed source, or a key that now exists under --no-overwrite, can
	// never complete: keeping the parts would only bill them.
	var changed *SourceChangedError
	var exists *ObjectExistsError
	keep := s.jr != nil && !s.opts.AbortOnFailure && !errors.As(err, &changed) && !errors.As(uerr.Err, &exists)
	if keep {
		uerr.Kept = true
		return uerr
	}
	uerr.AbortErr = abort(ctx, s.base, s.in.Bucket, s.in.Key, uerr.UploadID)
	uerr.Aborted = uerr.AbortErr == nil
	if uerr.Aborted && s.jr != nil {
		_ = s.jr.Remove() // the journal's upload is gone
	}
	return uerr
}

// verifyChecksum compares the object checksum S3 reports with the one
// derived from the source. A server that reports none, or a malformed one
// (moto reports a CRC32 under the CRC64NVME name), leaves the object
// unverified with a note, never a claim.
func (s *session) verifyChecksum(res *Result, reported func(checksum.Algorithm) string) error {
	if s.ck == nil {
		s.note("no checksums were sent (--checksum-calculation when_required): the stored bytes were not verified end to end")
		return nil
	}
	alg := s.ck.alg
	res.ChecksumAlgorithm, res.Checksum = string(alg), s.ck.expected
	res.ChecksumType = string(alg.ObjectType())
	if res.UploadID == "" { // one request: the checksum of the bytes
		res.ChecksumType = string(types.ChecksumTypeFullObject)
	}
	got := reported(alg)
	switch {
	case got == "":
		s.note("the server reported no %s checksum for the object: not verified end to end", alg)
	case !wellFormed(alg, got):
		s.note("the server reported a malformed %s checksum (%q): not verified end to end", alg, got)
	case got != s.ck.expected:
		return &ChecksumError{What: "object s3://" + s.in.Bucket + "/" + s.in.Key, Local: s.ck.expected, Remote: got}
	default:
		res.ChecksumVerified = true
	}
	return nil
}

// wellFormed reports whether v looks like a checksum of alg: the right
// number of bytes, optionally with a "-N" part count (COMPOSITE).
func wellFormed(alg checksum.Algorithm, v string) bool {
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		if _, err := strconv.Atoi(v[i+1:]); err == nil {
			v = v[:i]
		}
	}
	b, err := checksum.Decode(v)
	return err == nil && len(b) == alg.Size()
}

// unchanged reports a file source whose size or mtime moved since the start.
func (src sourceState) unchanged() error {
	if src.path == "" {
		return nil
	}
	fi, err := os.Stat(src.path)
	if err != nil {
		return &SourceChangedError{Path: src.path, Why: err.Error()}
	}
	switch {
	case fi.Size() != src.size:
		return &SourceChangedError{Path: src.path, Why: fmt.Sprintf("its size went from %d to %d bytes", src.size, fi.Size())}
	case !fi.ModTime().Equal(src.modTime):
		return &SourceChangedError{Path: src.path, Why: fmt.Sprintf("it was modified at %s", fi.ModTime().Format(time.RFC3339Nano))}
	}
	return nil
}

// sourceGuard refuses to complete an upload whose source changed while it
// was read: the parts may mix old and new bytes.
type sourceGuard struct {
	Client
	src sourceState
}

func (g *sourceGuard) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	if err := g.src.unchanged(); err != nil {
		return nil, err
	}
	return g.Client.CompleteMultipartUpload(ctx, in, optFns...)
}

// startNotifier tells the listener the upload id as soon as it is known,
// with the bytes a resumed upload already has.
type startNotifier struct {
	Client
	s *session
}

func (n *startNotifier) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	out, err := n.Client.CreateMultipartUpload(ctx, in, optFns...)
	if err == nil {
		info := StartInfo{Bucket: n.s.in.Bucket, Key: n.s.in.Key, Size: n.s.in.Size, Plan: n.s.plan,
			Concurrency: n.s.opts.Concurrency, UploadID: aws.ToString(out.UploadId)}
		if n.s.prior != nil {
			info.Resumed = n.s.prior.bytes()
		}
		n.s.opts.Listener.Started(info)
	}
	return out, err
}
