package upload

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/size"
)

// retryingFake runs each UploadPart through the SDK's standard retryer as
// the real client would: per-request options (the engine's retry guard)
// apply, and an attempt is sent again when the retryer says so.
type retryingFake struct {
	*fakeS3
	attempts atomic.Int32
	fail     func(ctx context.Context, n int32, attempt int) error
}

func (f *retryingFake) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	o := s3.Options{Retryer: retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 3
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})}
	for _, fn := range optFns {
		fn(&o)
	}
	r := o.Retryer.(aws.RetryerV2)
	for attempt := 1; ; attempt++ {
		f.attempts.Add(1)
		var err error
		if f.fail != nil {
			err = f.fail(ctx, aws.ToInt32(in.PartNumber), attempt)
		}
		if err == nil {
			return f.fakeS3.UploadPart(ctx, in, optFns...)
		}
		if attempt >= r.MaxAttempts() || !r.IsErrorRetryable(err) || ctx.Err() != nil {
			return nil, err
		}
		if _, err := in.Body.(io.Seeker).Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
}

// The first permanent failure stops the upload before anything else: the
// part whose attempt was denied is not retried, no part starts after it,
// and a part that then sees a reset is not retried either.
func TestPermanentFailureStopsEveryRetry(t *testing.T) {
	f := &retryingFake{fakeS3: newFake()}
	f.fail = func(ctx context.Context, n int32, attempt int) error {
		switch n {
		case 1:
			return deniedBodyCut()
		case 2, 3:
			<-ctx.Done() // in flight when the denial stops the upload: a reset
			return &retryableReset{}
		}
		return nil
	}
	u := New(f, Options{Concurrency: 3, KMS: &fakeKMS{denyDecrypt: true}})
	in, _ := fileInput(t, randomBytes(40*size.MiB)) // 5 parts of 8 MiB
	_, err := u.Upload(context.Background(), in)
	var d *diagnose.Diagnosis
	if !errors.As(err, &d) || d.Code != diagnose.MissingKMSDecrypt || d.Part != 1 {
		t.Fatalf("error %v, want missing_kms_decrypt on part 1", err)
	}
	if got := f.attempts.Load(); got > 3 {
		t.Errorf("%d UploadPart attempts, want at most 3 (one per part in flight, none retried, none started after the denial)", got)
	}
	if n := countCalls(f.callList(), "UploadPart"); n > 3 {
		t.Errorf("%d parts reached the server, want at most the 3 in flight", n)
	}
}

// deniedBodyCut is a 403 whose body a reset cut off: the SDK cannot decode
// it, and its retryer would send the part again.
func deniedBodyCut() error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 403, Header: http.Header{}}},
			Err:      &smithy.DeserializationError{Err: errors.New("failed to copy error response body, read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")},
		},
	}}
}

type retryableReset struct{}

func (retryableReset) Error() string   { return "read: connection reset by peer" }
func (retryableReset) Temporary() bool { return true }

// An upload adopted from the journal counts as created: a rerun of a
// denied upload is diagnosed as the first run was, with the same proof
// (kms:Decrypt when the round trip is denied it; s3:PutObject when KMS
// allows the round trip), and uses the kept upload.
func TestRerunIsDiagnosedAsTheFirstRun(t *testing.T) {
	for _, tt := range []struct {
		name string
		kms  *fakeKMS
		want diagnose.Code
	}{
		{"kms:Decrypt missing", &fakeKMS{denyDecrypt: true}, diagnose.MissingKMSDecrypt},
		{"s3:PutObject removed", &fakeKMS{}, diagnose.S3AccessDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.failPart = func(n int32) error { return s3Denied("UploadPart") }
			js := journals(t)
			data := randomBytes(20 * size.MiB)
			in, _ := fileInput(t, data)
			var ids []string
			for run := 1; run <= 2; run++ {
				_, err := New(f, Options{Concurrency: 2, Journals: js, KMS: tt.kms}).Upload(context.Background(), in)
				var d *diagnose.Diagnosis
				if !errors.As(err, &d) || d.Code != tt.want {
					t.Fatalf("run %d: %v, want %s", run, err, tt.want)
				}
				var ue *Error
				if !errors.As(err, &ue) || !ue.Kept {
					t.Fatalf("run %d: upload not kept: %v", run, err)
				}
				ids = append(ids, ue.UploadID)
			}
			if ids[0] != ids[1] || countCalls(f.callList(), "CreateMultipartUpload") != 1 {
				t.Fatalf("uploads %v, creates %d: the rerun did not adopt the kept upload", ids, countCalls(f.callList(), "CreateMultipartUpload"))
			}
		})
	}
}

// Concurrent Upload calls on one Uploader share its request budget: never
// more than Concurrency requests in flight across all of them.
func TestConcurrentUploadsShareTheBudget(t *testing.T) {
	f := &gaugeFake{fakeS3: newFake()}
	u := New(f, Options{Concurrency: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, _ := fileInput(t, randomBytes(20*size.MiB))
			in.SourcePath = ""
			_, err := u.Upload(context.Background(), in)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.max.Load(); got > 3 || got < 2 {
		t.Fatalf("%d requests in flight at most, want 2..3 (the shared budget)", got)
	}
}

// gaugeFake measures the requests in flight.
type gaugeFake struct {
	*fakeS3
	now, max atomic.Int32
}

func (g *gaugeFake) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	n := g.now.Add(1)
	defer g.now.Add(-1)
	for {
		m := g.max.Load()
		if n <= m || g.max.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(5 * time.Millisecond)
	return g.fakeS3.UploadPart(ctx, in, optFns...)
}

// A stream is read into at most Concurrency+1 part buffers, reused, and
// stored exactly.
func TestStreamBuffersAreBounded(t *testing.T) {
	f := newFake()
	u := New(f, Options{Concurrency: 2, PartSize: 5 * size.MiB})
	data := randomBytes(41 * size.MiB) // 9 parts
	in := kmsInput(nil)
	in.Body, in.Size = io.MultiReader(bytes.NewReader(data)), -1 // no ReaderAt: a stream
	res, err := u.Upload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != int64(len(data)) || !bytes.Equal(f.objects[in.Key], data) {
		t.Fatalf("stored %d bytes, want the stream's %d exactly", len(f.objects[in.Key]), len(data))
	}
	if made := u.buffers.made; made > 3 {
		t.Fatalf("%d part buffers made, want at most Concurrency+1 = 3", made)
	}
}

// Another uploader holding the file's journal: the error is a *Error whose
// cause errors.Is ErrLocked, and nothing is sent.
func TestLockedUpload(t *testing.T) {
	f := newFake()
	js := journals(t)
	in, _ := fileInput(t, randomBytes(20*size.MiB))
	held, err := js.s.Lock(journal.Identity{Source: in.SourcePath, Bucket: in.Bucket, Key: in.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, err = New(f, Options{Journals: js}).Upload(context.Background(), in)
	var ue *Error
	var le *LockedError
	if !errors.As(err, &ue) || !errors.Is(err, ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("error %v (%T): want a *Error wrapping a LockedError", err, err)
	}
	if n := len(f.callList()); n != 0 {
		t.Fatalf("%d requests sent for a locked upload: %v", n, f.callList())
	}
}

// wrongObjectChecksum answers Complete with a well-formed checksum that is
// not the object's.
type wrongObjectChecksum struct{ *fakeS3 }

func (w wrongObjectChecksum) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	out, err := w.fakeS3.CompleteMultipartUpload(ctx, in, optFns...)
	if err == nil {
		out.ChecksumCRC64NVME = aws.String("AAAAAAAAAAA=")
	}
	return out, err
}

// S3 reporting another object checksum after Complete is a ChecksumError;
// the object exists, so nothing is aborted, and the journal is gone.
func TestObjectChecksumMismatchAfterComplete(t *testing.T) {
	f := newFake()
	js := journals(t)
	in, _ := fileInput(t, randomBytes(12*size.MiB))
	_, err := New(wrongObjectChecksum{f}, Options{PartSize: 5 * size.MiB, Journals: js}).Upload(context.Background(), in)
	var ce *ChecksumError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want a ChecksumError", err)
	}
	if n := countCalls(f.callList(), "AbortMultipartUpload"); n != 0 {
		t.Fatalf("%d aborts of a completed upload", n)
	}
	if recs, _ := js.s.List(); len(recs) != 0 {
		t.Fatalf("journal left: %v", recs)
	}
}
