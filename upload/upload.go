// Package upload is the concurrent multipart engine: it plans an upload,
// runs the multipart loop itself on the S3 API (create or adopt a journaled
// upload, send the missing parts a bounded number at a time, journal each,
// complete with the full-object checksum), explains failures, and checks
// what S3 stored.
package upload

import (
	"io"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/ratelimit"
)

// DefaultConcurrency is the number of parts in flight, as the aws CLI's
// max_concurrent_requests.
const DefaultConcurrency = 10

// Options configure an Uploader. Zero values take the defaults.
type Options struct {
	Threshold   int64 // sizes above it go multipart; 0 = DefaultThreshold (8 MiB)
	PartSize    int64 // 0 = automatic (see MakePlan)
	Concurrency int   // parts in flight; 0 = DefaultConcurrency
	// Listener receives the progress of every Upload of the Uploader,
	// unless an Input sets its own.
	Listener Listener
	// MaxParts lowers S3's 10,000-part limit; for tests.
	MaxParts int
	// Diagnostics feed the explanation of failures.
	Diagnostics Diagnostics
	// KMS, when set, lets the engine prove the cause of a bare
	// AccessDenied on a part of an SSE-KMS upload before naming it: it
	// makes, once, the GenerateDataKey -> Decrypt round trip S3 makes,
	// directly as the caller. Decrypt denied: MissingKMSDecrypt; both
	// allowed: S3AccessDenied (s3:PutObject). Nil, or when a direct call
	// cannot tell (a key usable only through S3): KMSDecryptOrS3Denied,
	// which names both causes.
	KMS KMSAPI
	// Checksum is the algorithm of the checksums computed for every part
	// and checked against S3's after the upload; "" = CRC64NVME.
	Checksum ChecksumAlgorithm
	// NoChecksum sends no checksums, for S3-compatible servers that reject
	// checksum headers (--checksum-calculation when_required).
	NoChecksum bool
	// Journals, when set, makes file uploads resumable: progress is
	// journaled there, a failed or interrupted upload is kept, and the next
	// Upload of the same file to the same key resumes it. nil: a failed
	// upload is aborted.
	Journals *Journals
	// AbortOnFailure aborts a failed upload even when it could be resumed.
	AbortOnFailure bool
	// NoResume starts a new upload even when a journal could resume one;
	// the journal's upload is aborted.
	NoResume bool
	// MaxBandwidth limits the bytes per second sent, over all parts of
	// every Upload of the Uploader; 0 = unlimited.
	MaxBandwidth int64
	// StallTimeout: an attempt whose connection moves no byte (either way)
	// for this long is cancelled and sent again on a new connection; it
	// also bounds the wait for a response's headers. It measures silence,
	// not total time, so part size and MaxBandwidth do not matter.
	// 0 = DefaultStallTimeout (30 s); negative = no watch.
	StallTimeout time.Duration
	// RetryWindow: a request that gets no answer (refused, reset, stalled,
	// timed out) is retried with exponential backoff and jitter until this
	// long after its first such failure, however many attempts that takes;
	// then the upload fails (a file upload with Journals is kept).
	// Failures with an answer (5xx, SlowDown) keep the client retryer's
	// attempts. 0 = DefaultRetryWindow (5 min); negative = off: network
	// failures then count against the retryer's attempts like the others.
	RetryWindow time.Duration
}

// Input is one object to upload.
type Input struct {
	Bucket, Key string
	// Body is the source. An io.ReaderAt (an *os.File) is read in place,
	// part by part, with no copy; Size must then be its length. Size -1 is a
	// stream of unknown length, buffered a part at a time.
	//
	// A Body's Read error other than io.EOF fails the upload: nothing is
	// completed from a source that failed, and the error is returned
	// wrapped in the *Error. A stream's multipart upload is then aborted
	// (streams are never resumed); a file's is kept when it is resumable
	// (Options.Journals), as for any failure. A stream's producer fails
	// the upload that way; CommandOutput does it for a command's output.
	Body io.Reader
	Size int64
	// PartSize overrides Options.PartSize for this object (0 = the
	// Uploader's), so one Uploader serves objects with different plans.
	PartSize int64
	// ExpectedSize is, for a stream (Size -1), how big it is expected to
	// be: its part size is then the smallest (at least the part size asked
	// for, or DefaultStreamPartSize) that fits it in 10,000 parts, as the
	// aws CLI's --expected-size. A stream that turns out bigger still goes
	// up while it fits; beyond, a *StreamTooLargeError. Ignored when Size
	// is known.
	ExpectedSize int64
	// SourcePath is the absolute path of a file source. It names the
	// upload's journal (resume) and is checked before the upload completes:
	// a source whose size or modification time changed is never completed.
	SourcePath string
	// Stop, when closed, stops starting new parts; parts in flight finish
	// and a resumable upload is kept. Cancel ctx to stop at once.
	Stop <-chan struct{}
	// Listener, when set, receives this upload's progress instead of
	// Options.Listener: with one Uploader shared by the files of a
	// directory, each file's events can be told apart.
	Listener Listener

	SSE                SSE
	ContentType        string
	Metadata           map[string]string
	StorageClass       string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	ACL                string
	Tagging            string // URL-encoded key=value&key2=value2
	// NoOverwrite makes the write conditional (If-None-Match: *): it fails
	// if the key already exists.
	NoOverwrite bool
}

// Result describes the stored object.
type Result struct {
	Bucket, Key string
	Size        int64
	Plan        Plan
	// Parts is the number of parts of the stored object: for a multipart
	// upload the parts completed (a stream's count, which its Plan cannot
	// know), 0 for a single PutObject (S3 reports no parts for such an
	// object, and its ETag has no "-N").
	Parts     int
	UploadID  string // "" for a single PutObject
	ETag      string
	VersionID string
	SSE       string // encryption S3 reports
	KMSKeyID  string // key ARN S3 reports
	BucketKey bool
	// Resumed is the bytes an earlier, interrupted run had already
	// uploaded; they were not sent again.
	Resumed int64
	// Checksum is the object's checksum (base64; COMPOSITE ones end in
	// "-N"); ChecksumVerified whether S3 reported the same one.
	Checksum          string
	ChecksumAlgorithm string
	ChecksumType      string
	ChecksumVerified  bool
	// Notes are things the caller should tell the user (a journal set
	// aside, an unverifiable checksum, an upload that could not resume).
	Notes []string
	// Unfinished are other multipart uploads of the key the engine found
	// (a corrupt journal named none it could trust, or aborting the one it
	// named failed) and left alone: another host may be using them. A note
	// says so; the caller decides whether to abort them (AbortUpload).
	Unfinished []PendingUpload
}

// Uploader uploads objects. It is safe for concurrent use, and concurrent
// Upload calls share one budget: Concurrency requests in flight (parts and
// single PutObjects of every upload together), one pool of stream buffers
// and one bandwidth limit. A directory upload runs one Upload per file on
// one Uploader.
type Uploader struct {
	client Client
	opts   Options

	limit    *adaptiveLimit     // requests in flight; halves on SlowDown
	buffers  *bufferPool        // (Concurrency+1) part buffers for streams
	rate     *ratelimit.Limiter // MaxBandwidth; nil = unlimited
	readBufs sync.Pool          // checksum.ReadBufferSize buffers for file parts
	flight   flight             // data requests on the wire (InFlight)
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
	if opts.Checksum == "" {
		opts.Checksum = checksum.CRC64NVME
	}
	u := &Uploader{client: client, opts: opts,
		limit:   newAdaptiveLimit(opts.Concurrency),
		buffers: newBufferPool(opts.Concurrency + 1),
		rate:    ratelimit.New(opts.MaxBandwidth),
	}
	u.readBufs.New = func() any { b := make([]byte, checksum.ReadBufferSize); return &b }
	return u
}
