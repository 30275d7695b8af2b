package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
)

// One Upload, in the order it runs: this file checks the input, plans it,
// opens its session, picks the path (a stream, one PutObject in single.go,
// or multipart) and checks what S3 stored (the checksum, the encryption);
// multipart.go is the multipart path, step by step, from adopting or
// creating the upload to Complete. `make hops` counts the calls this path
// makes into other files (internal/tools/hops).

// Upload sends in and returns what S3 stored. On failure the returned
// *Error says whether the multipart upload was kept (resumable) or aborted;
// errors.As finds the *Diagnosis of an explained failure in it.
func (u *Uploader) Upload(ctx context.Context, in Input) (Result, error) {
	if err := in.SSE.Validate(); err != nil {
		return Result{}, &PlanError{err.Error()}
	}
	if !u.opts.NoChecksum && !u.opts.Checksum.Valid() {
		return Result{}, &PlanError{fmt.Sprintf("checksum algorithm %q is not one of CRC64NVME, CRC32, CRC32C, SHA256, SHA1", u.opts.Checksum)}
	}
	plan, err := u.PlanFor(in)
	if err != nil {
		return Result{}, err
	}
	s, err := u.newSession(in, plan)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	res, err := s.run(ctx)
	if err != nil {
		return res, err
	}
	if err := s.verifyEncryption(ctx, &res); err != nil {
		return res, err
	}
	return res, nil
}

// session is one Upload: the plan, the multipart upload it created or
// adopted, the parts S3 acknowledged, and the journal that records them.
type session struct {
	u    *Uploader
	in   Input
	plan Plan
	src  sourceState
	ra   io.ReaderAt // the file read in place; nil for a stream

	multipartUpload         // its multipart upload, once created or adopted
	failure         failure // the first failure of the parts (drive), which every retry consults
	diag            diagnostics
	notes           []string
	// unfinishedUploads are uploads of the key found and left for the
	// caller to abort (Result.Unfinished).
	unfinishedUploads []PendingUpload
}

// multipartUpload is one multipart upload on S3: its id, the parts S3
// acknowledged, the journal that records them, and what its requests
// take. Its methods in multipart.go write a part (writePart), complete it
// (complete), or keep or abort it (finish); it never sees the loop that
// drives them (drive).
type multipartUpload struct {
	uploadID string
	// created: this upload's CreateMultipartUpload succeeded, in this run
	// or, for an adopted upload, an earlier one. S3 calls KMS Decrypt for
	// the parts of such an upload, which the diagnosis must know.
	created bool
	resumed int64 // bytes an earlier run uploaded, not sent again
	parts   partTable
	jr      *journal.Journal

	// What its requests take, set once by newSession: the requests of
	// this Input, the client, and the per-request options of every call
	// (wire.go).
	req      Requests
	client   Client
	wire     wire
	listener Listener // Input.Listener, else Options.Listener
	flight   *flight  // the Uploader's requests on the wire (InFlight)
	// abortOnFailure: Options.AbortOnFailure, a failed upload is never kept.
	abortOnFailure bool
}

// sourceState is a file source's size and mtime when the upload started.
type sourceState struct {
	path    string
	size    int64
	modTime time.Time
}

func (u *Uploader) newSession(in Input, plan Plan) (*session, error) {
	s := &session{u: u, in: in, plan: plan}
	listener := u.opts.Listener
	if in.Listener != nil {
		listener = in.Listener
	}
	req := u.Requests(in)
	s.multipartUpload = multipartUpload{req: req, client: u.client, wire: newWire(u, listener, &s.failure, req.alg),
		listener: listener, flight: &u.flight, abortOnFailure: u.opts.AbortOnFailure}
	s.diag = diagnostics{info: u.opts.Diagnostics, kms: u.opts.KMS, stop: in.Stop}
	s.failure.classify = func(err error, op string, part int32) *diagnose.Diagnosis {
		return diagnose.Classify(err, s.diagContext(op, part))
	}
	if ra, ok := in.Body.(io.ReaderAt); ok && in.Size >= 0 {
		s.ra = ra
	}
	if in.SourcePath != "" {
		fi, err := os.Stat(in.SourcePath)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", in.SourcePath, err)
		}
		if in.Size >= 0 && fi.Size() != in.Size {
			return nil, &SourceChangedError{Path: in.SourcePath, Size: fi.Size(), Expected: in.Size}
		}
		s.src = sourceState{path: in.SourcePath, size: fi.Size(), modTime: fi.ModTime()}
	}
	return s, nil
}

func (s *session) close() {
	if s.jr != nil {
		_ = s.jr.Close()
	}
}

// run picks the path: a stream is read a part at a time (a short one goes
// as one PutObject), a file at or under the threshold as one PutObject, a
// bigger one multipart.
func (s *session) run(ctx context.Context) (Result, error) {
	switch {
	case s.ra == nil:
		return s.stream(ctx)
	case !s.plan.Multipart:
		return s.single(ctx, &part{size: s.in.Size, ra: s.ra})
	}
	return s.multipart(ctx, nil)
}

// stream sends a source read front to back (stdin, a pipe). Its first part
// is read before anything is sent: a stream shorter than one part goes as
// one PutObject, a longer one multipart, never resumable (what was read is
// gone), so a failed one is aborted.
func (s *session) stream(ctx context.Context) (Result, error) {
	ps := s.plan.PartSize
	if !s.plan.Multipart {
		ps = s.plan.Size // a known size at or under the threshold
	}
	buf, err := s.u.buffers.get(ctx, ps)
	if err != nil {
		return s.result(), err
	}
	m, err := io.ReadFull(s.in.Body, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		s.u.buffers.put(buf)
		return s.result(), fmt.Errorf("reading %s: %w", s.sourceName(), err)
	}
	if int64(m) < ps || !s.plan.Multipart {
		defer s.u.buffers.put(buf)
		return s.single(ctx, &part{size: int64(m), buf: buf})
	}
	return s.multipart(ctx, &part{n: 1, size: int64(m), buf: buf, pool: s.u.buffers})
}

func (s *session) resumable() bool {
	return s.u.opts.Journals != nil && s.src.path != "" && s.ra != nil && s.plan.Multipart
}

func (s *session) result() Result {
	return Result{Bucket: s.in.Bucket, Key: s.in.Key, Size: s.in.Size, Plan: s.plan, UploadID: s.uploadID, Resumed: s.resumed}
}

// stored fills r with what S3 answered about the object it stored
// (CompleteMultipartUpload, PutObject, or HeadObject for an upload an
// earlier run completed): the one place a Result is read from S3's types.
func (r *Result) stored(etag, versionID *string, sse types.ServerSideEncryption, kmsKeyID *string, bucketKey *bool) {
	r.ETag, r.VersionID = aws.ToString(etag), aws.ToString(versionID)
	r.SSE, r.KMSKeyID, r.BucketKey = string(sse), aws.ToString(kmsKeyID), aws.ToBool(bucketKey)
}

func (s *session) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// asObjectExists turns S3's 412 PreconditionFailed of a --no-overwrite
// upload into an ObjectExistsError; any other error is returned as is.
func (s *session) asObjectExists(err error) error {
	if s.in.NoOverwrite && (diagnose.HTTPStatus(err) == 412 || diagnose.ErrorCode(err) == "PreconditionFailed") {
		return &ObjectExistsError{Bucket: s.in.Bucket, Key: s.in.Key}
	}
	return err
}

// verifyChecksum compares the object checksum S3 reports with the one
// derived from the source. A server that reports none, or a malformed one
// (moto reports a CRC32 under the CRC64NVME name), leaves the object
// unverified with a note, never a claim.
func (s *session) verifyChecksum(res *Result, expected, reported string) error {
	alg := s.req.alg
	if alg == "" {
		s.note("no checksums were sent (checksum calculation when_required): the stored bytes were not verified end to end")
		return nil
	}
	res.ChecksumAlgorithm, res.Checksum = string(alg), expected
	res.ChecksumType = string(alg.ObjectType())
	if res.UploadID == "" { // one request: the checksum of the bytes
		res.ChecksumType = string(types.ChecksumTypeFullObject)
	}
	switch {
	case reported == "":
		s.note("the server reported no %s checksum for the object: not verified end to end", alg)
	case !wellFormed(alg, reported):
		s.note("the server reported a malformed %s checksum (%q): not verified end to end", alg, reported)
	case reported != expected:
		return &ChecksumError{What: "object s3://" + s.in.Bucket + "/" + s.in.Key, Local: expected, Remote: reported}
	default:
		res.ChecksumVerified = true
	}
	return nil
}

// verifyEncryption checks that S3 stored the object with the encryption
// asked for. Some S3-compatible servers accept SSE headers and ignore them;
// a backup that was meant to be encrypted must not pass silently. When the
// upload's response does not state the encryption, HeadObject is asked.
func (s *session) verifyEncryption(ctx context.Context, res *Result) error {
	in := s.in
	want := in.SSE
	if want.Mode == SSENone {
		return nil // the bucket default applies; nothing was asked
	}
	if res.SSE != want.Mode || (want.IsKMS() && res.KMSKeyID == "") {
		h, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)}, s.wire.call("HeadObject", 0)...)
		if err != nil {
			return fmt.Errorf("the upload finished but checking its encryption failed: %w", s.explain(ctx, "HeadObject", 0, err))
		}
		res.SSE = string(h.ServerSideEncryption)
		res.KMSKeyID = aws.ToString(h.SSEKMSKeyId)
		res.BucketKey = aws.ToBool(h.BucketKeyEnabled)
	}
	if !want.StoredAs(res.SSE, res.KMSKeyID) {
		return &EncryptionError{Bucket: in.Bucket, Key: in.Key, Want: want, GotMode: res.SSE, GotKey: res.KMSKeyID}
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
	return checksum.WellFormed(alg, v)
}

// changed returns a *SourceChangedError when a file source's size or mtime
// moved since the start (or it can no longer be read); nil when it did not.
func (src sourceState) changed() error {
	if src.path == "" {
		return nil
	}
	fi, err := os.Stat(src.path)
	if err != nil {
		return &SourceChangedError{Path: src.path, Size: -1, Expected: src.size, Why: err.Error()}
	}
	switch {
	case fi.Size() != src.size:
		return &SourceChangedError{Path: src.path, Size: fi.Size(), Expected: src.size}
	case !fi.ModTime().Equal(src.modTime):
		return &SourceChangedError{Path: src.path, Size: fi.Size(), Expected: src.size,
			Why: "modified at " + fi.ModTime().Format(time.RFC3339Nano)}
	}
	return nil
}

// readFailed explains an error reading part p of the source: a file that
// ended early changed while it was uploaded.
func (s *session) readFailed(p *part, err error) error {
	if changed := s.src.changed(); changed != nil {
		return changed
	}
	if errors.Is(err, checksum.ErrShortRead) && s.src.path != "" {
		return &SourceChangedError{Path: s.src.path, Size: -1, Expected: s.src.size, Why: err.Error()}
	}
	return fmt.Errorf("reading part %d of %s: %w", p.n, s.sourceName(), err)
}

func (s *session) sourceName() string {
	if s.src.path != "" {
		return s.src.path
	}
	return "the stream"
}
