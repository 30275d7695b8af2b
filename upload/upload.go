// Package upload is the concurrent multipart engine: it plans an upload,
// sends it through manager.Uploader over an S3 client wrapped in our own
// decorators (progress, diagnosis), and checks what S3 stored.
package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// DefaultConcurrency is the number of parts in flight, as the aws CLI's
// max_concurrent_requests.
const DefaultConcurrency = 10

// abortTimeout bounds the abort of a failed upload, which runs on a context
// detached from the (possibly cancelled) upload's.
const abortTimeout = 30 * time.Second

// Options configure an Uploader. Zero values take the defaults.
type Options struct {
	Threshold   int64 // sizes above it go multipart; 0 = DefaultThreshold (8 MiB)
	PartSize    int64 // 0 = automatic (see MakePlan)
	Concurrency int   // parts in flight; 0 = DefaultConcurrency
	Listener    Listener
	// MaxParts lowers S3's 10,000-part limit; for tests.
	MaxParts int
	// Diagnostics feed the explanation of failures.
	Diagnostics Diagnostics
}

// Input is one object to upload.
type Input struct {
	Bucket, Key string
	// Body is the source. An io.ReaderAt (an *os.File) is read in place,
	// part by part, with no copy; Size must then be its length.
	Body io.Reader
	Size int64

	SSE          SSE
	ContentType  string
	Metadata     map[string]string
	StorageClass string
}

// Result describes the stored object.
type Result struct {
	Bucket, Key string
	Size        int64
	Plan        Plan
	UploadID    string // "" for a single PutObject
	ETag        string
	VersionID   string
	SSE         string // encryption S3 reports
	KMSKeyID    string // key ARN S3 reports
	BucketKey   bool
}

// Uploader uploads objects. It is safe for concurrent use.
type Uploader struct {
	client Client
	opts   Options
}

// New returns an Uploader that sends requests through client (an *s3.Client
// in production).
func New(client Client, opts Options) *Uploader {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Listener == nil {
		opts.Listener = NopListener{}
	}
	return &Uploader{client: client, opts: opts}
}

// Plan returns the plan Upload would follow for size bytes.
func (u *Uploader) Plan(size int64) (Plan, error) {
	return MakePlan(size, PlanOptions{Threshold: u.opts.Threshold, PartSize: u.opts.PartSize, MaxParts: u.opts.MaxParts})
}

// Upload sends in and returns what S3 stored. A failed multipart upload is
// aborted and the returned *Error says whether the abort worked.
func (u *Uploader) Upload(ctx context.Context, in Input) (Result, error) {
	if err := in.SSE.Validate(); err != nil {
		return Result{}, &PlanError{err.Error()}
	}
	plan, err := u.Plan(in.Size)
	if err != nil {
		return Result{}, err
	}
	// The diagnosis decorator stops the upload through this context at the
	// first permanent error; its cause is then the error to report, whatever
	// error the cancelled parts returned after it.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	diag := &diagnosingClient{Client: u.client, info: u.opts.Diagnostics, in: in, plan: plan, stop: stop}
	client := Client(progressClient{Client: diag, listener: u.opts.Listener})
	res := Result{Bucket: in.Bucket, Key: in.Key, Size: in.Size, Plan: plan}

	var out *manager.UploadOutput
	if plan.Multipart {
		out, err = u.multipart(ctx, client, in, plan)
	} else {
		out, err = u.single(ctx, client, in, plan)
	}
	if err != nil {
		return res, preferCause(ctx, err)
	}
	res.UploadID = out.UploadID
	res.ETag = aws.ToString(out.ETag)
	res.VersionID = aws.ToString(out.VersionID)
	res.SSE = string(out.ServerSideEncryption)
	res.KMSKeyID = aws.ToString(out.SSEKMSKeyId)
	res.BucketKey = out.BucketKeyEnabled
	if err := verifyEncryption(ctx, diag, in, &res); err != nil {
		return res, err
	}
	return res, nil
}

// single sends a source at or under the threshold as one PutObject.
func (u *Uploader) single(ctx context.Context, client Client, in Input, plan Plan) (*manager.UploadOutput, error) {
	u.opts.Listener.Started(StartInfo{Bucket: in.Bucket, Key: in.Key, Size: in.Size, Plan: plan, Concurrency: 1})
	put := putInput(in)
	put.Body = bodyReader(in)
	put.ContentLength = aws.Int64(in.Size)
	o, err := client.PutObject(ctx, put)
	if err != nil {
		return nil, &Error{Op: "PutObject", Err: err}
	}
	return &manager.UploadOutput{
		ETag: o.ETag, VersionID: o.VersionId, ServerSideEncryption: o.ServerSideEncryption,
		SSEKMSKeyId: o.SSEKMSKeyId, BucketKeyEnabled: aws.ToBool(o.BucketKeyEnabled),
	}, nil
}

// multipart drives manager.Uploader. We keep the parts on error
// (LeavePartsOnError) and abort ourselves, on a detached context, so a
// cancelled upload is still cleaned up and the abort's own failure is
// reported rather than dropped.
func (u *Uploader) multipart(ctx context.Context, client Client, in Input, plan Plan) (*manager.UploadOutput, error) {
	started := startNotifier{Client: client, listener: u.opts.Listener, info: StartInfo{
		Bucket: in.Bucket, Key: in.Key, Size: in.Size, Plan: plan, Concurrency: u.opts.Concurrency,
	}}
	mu := manager.NewUploader(&started, func(m *manager.Uploader) {
		m.PartSize = plan.PartSize
		m.Concurrency = u.opts.Concurrency
		m.LeavePartsOnError = true
		m.MaxUploadParts = MaxParts
		if u.opts.MaxParts > 0 {
			m.MaxUploadParts = int32(u.opts.MaxParts)
		}
	})
	put := putInput(in)
	put.Body = bodyReader(in)
	out, err := mu.Upload(ctx, put)
	if err == nil {
		return out, nil
	}
	uerr := &Error{Op: "multipart upload", Err: err}
	var mf manager.MultiUploadFailure
	if errors.As(err, &mf) {
		uerr.UploadID = mf.UploadID()
		// manager wraps the cause; keep the cause as ours.
		if cause := errors.Unwrap(err); cause != nil {
			uerr.Err = cause
		}
	}
	if uerr.UploadID != "" {
		uerr.AbortErr = abort(ctx, u.client, in.Bucket, in.Key, uerr.UploadID)
		uerr.Aborted = uerr.AbortErr == nil
	}
	return nil, uerr
}

// preferCause replaces the cause inside an *Error with the diagnosis that
// stopped the upload, when there is one.
func preferCause(ctx context.Context, err error) error {
	var d, have *diagnose.Diagnosis
	if !errors.As(context.Cause(ctx), &d) || (errors.As(err, &have) && have == d) {
		return err
	}
	var ue *Error
	if errors.As(err, &ue) {
		if d.UploadID == "" {
			d.UploadID = ue.UploadID
		}
		ue.Err = d
		return ue
	}
	return d
}

// abort removes a multipart upload's parts even when ctx is cancelled.
func abort(ctx context.Context, client Client, bucket, key, uploadID string) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
	})
	if err != nil {
		return fmt.Errorf("aborting multipart upload %s: %w", uploadID, err)
	}
	return nil
}

// bodyReader gives manager a reader it reads in place: a section of a
// ReaderAt has both ReadAt and Seek, so parts are sections, not copies, and
// the size is the one planned even if the file grows meanwhile.
func bodyReader(in Input) io.Reader {
	if ra, ok := in.Body.(io.ReaderAt); ok && in.Size >= 0 {
		return io.NewSectionReader(ra, 0, in.Size)
	}
	return in.Body
}

// putInput maps our Input onto the request fields S3 needs, for PutObject
// and (through manager) CreateMultipartUpload.
func putInput(in Input) *s3.PutObjectInput {
	p := &s3.PutObjectInput{
		Bucket:   aws.String(in.Bucket),
		Key:      aws.String(in.Key),
		Metadata: in.Metadata,
	}
	if in.ContentType != "" {
		p.ContentType = aws.String(in.ContentType)
	}
	if in.StorageClass != "" {
		p.StorageClass = types.StorageClass(in.StorageClass)
	}
	if in.SSE.Mode != "" {
		p.ServerSideEncryption = types.ServerSideEncryption(in.SSE.Mode)
	}
	if in.SSE.KMSKeyID != "" {
		p.SSEKMSKeyId = aws.String(in.SSE.KMSKeyID)
	}
	if h := in.SSE.ContextHeader(); h != "" {
		p.SSEKMSEncryptionContext = aws.String(h)
	}
	p.BucketKeyEnabled = in.SSE.BucketKey
	return p
}

// startNotifier tells the listener the upload id as soon as S3 returns it.
type startNotifier struct {
	Client
	listener Listener
	info     StartInfo
}

func (s *startNotifier) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	out, err := s.Client.CreateMultipartUpload(ctx, in, optFns...)
	if err == nil {
		info := s.info
		info.UploadID = aws.ToString(out.UploadId)
		s.listener.Started(info)
	}
	return out, err
}
