package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

// The Go API against the real stack: what an embedding backup job does.
// The part limit has no CLI flag (Options.MaxParts is for tests), so the
// stream-over-the-limit case is proven here.

// libraryClient is an *s3.Client as the full user, built from an
// aws.Config as an embedder would.
func libraryClient(t *testing.T) *s3.Client {
	t.Helper()
	cfg, err := stack.Config(context.Background(), stack.Full)
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func kmsSSE() upload.SSE { return upload.SSE{Mode: upload.SSEKMS, KMSKeyID: stack.KeyARN} }

// onlyReader hides every method but Read (no ReaderAt, no Seek, no Len):
// the engine sees a stream, as from a pipe.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// seededStream is n bytes from a seeded generator, hashed as they are read.
type seededStream struct {
	left int64
	rng  *rand.ChaCha8
	hash io.Writer
}

func newSeededStream(seed byte, n int64, h io.Writer) *seededStream {
	var s [32]byte
	s[0] = seed
	return &seededStream{left: n, rng: rand.NewChaCha8(s), hash: h}
}

func (s *seededStream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	n, _ := s.rng.Read(p)
	s.left -= int64(n)
	if s.hash != nil {
		s.hash.Write(p[:n])
	}
	return n, nil
}

// A stream one byte over MaxParts x PartSize fails with
// StreamTooLargeError, the upload aborted: no object, truncated or not, and
// no upload left.
func TestLibraryStreamOverPartLimit(t *testing.T) {
	key := uniqueKey(t, "stream.bin")
	defer abortUploadsOf(t, key)
	u := upload.New(libraryClient(t), upload.Options{MaxParts: 3, PartSize: 5 * size.MiB, Concurrency: 2})
	_, err := u.Upload(context.Background(), upload.Input{
		Bucket: stack.Bucket, Key: key,
		Body: onlyReader{newSeededStream(1, 3*5*size.MiB+1, nil)}, Size: -1,
		SSE: kmsSSE(),
	})
	var tl *upload.StreamTooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("error %v (%T), want a *upload.StreamTooLargeError", err, err)
	}
	if tl.MaxParts != 3 || tl.PartSize != 5*size.MiB {
		t.Errorf("StreamTooLargeError{MaxParts: %d, PartSize: %d}, want 3 and 5 MiB", tl.MaxParts, tl.PartSize)
	}
	var ue *upload.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v has no *upload.Error", err)
	}
	if ue.UploadID == "" || !ue.Aborted || ue.Kept || ue.AbortErr != nil {
		t.Fatalf("upload.Error{UploadID: %q, Aborted: %v, Kept: %v, AbortErr: %v}: want an aborted upload", ue.UploadID, ue.Aborted, ue.Kept, ue.AbortErr)
	}
	if objectExists(t, key) {
		t.Fatal("an object was stored from a stream over the part limit")
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("uploads left for the key: %v", ids)
	}
	// Exactly at the limit is fine: the limit is not off by one.
	key2 := uniqueKey(t, "exact.bin")
	h := sha256.New()
	res, err := u.Upload(context.Background(), upload.Input{
		Bucket: stack.Bucket, Key: key2,
		Body: onlyReader{newSeededStream(2, 3*5*size.MiB, h)}, Size: -1,
		SSE: kmsSSE(),
	})
	if err != nil {
		t.Fatalf("a stream of exactly MaxParts x PartSize failed: %v", err)
	}
	if res.Size != 3*5*size.MiB {
		t.Errorf("Result.Size %d, want %d", res.Size, 3*5*size.MiB)
	}
	if got, _ := objectSHA256(t, key2); got != hex.EncodeToString(h.Sum(nil)) {
		t.Fatal("the stored stream differs from the one sent")
	}
}

// A file through the library with a journal folder: stored intact,
// encrypted with the key, and the Result describes it.
func TestLibraryFileUpload(t *testing.T) {
	src, sum := makeFile(t, 12*size.MiB)
	key := uniqueKey(t, "file.bin")
	defer abortUploadsOf(t, key)
	journals, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var started atomic.Int32
	u := upload.New(libraryClient(t), upload.Options{PartSize: 5 * size.MiB, Concurrency: 2, Journals: journals,
		Listener: startCounter{n: &started}})
	res, err := u.Upload(context.Background(), upload.Input{
		Bucket: stack.Bucket, Key: key, Body: f, Size: 12 * size.MiB, SourcePath: src, SSE: kmsSSE(),
	})
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if !res.Plan.Multipart || res.Plan.Parts != 3 || res.UploadID == "" || res.Size != 12*size.MiB || res.Resumed != 0 {
		t.Fatalf("Result %+v: want 3 parts of 5 MiB, an upload id, 12 MiB, nothing resumed", res)
	}
	if res.SSE != "aws:kms" || res.KMSKeyID != stack.KeyARN || res.ETag == "" {
		t.Fatalf("Result SSE %q key %q etag %q", res.SSE, res.KMSKeyID, res.ETag)
	}
	if started.Load() != 1 {
		t.Errorf("Listener.Started called %d times, want 1", started.Load())
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatalf("stored SHA-256 %s, source %s", got, sum)
	}
}

type startCounter struct {
	upload.NopListener
	n *atomic.Int32
}

func (s startCounter) Started(upload.StartInfo) { s.n.Add(1) }

// cancelAfterPart cancels the upload's context once a part is done and
// counts the bytes reported.
type cancelAfterPart struct {
	upload.NopListener
	once   sync.Once
	cancel context.CancelFunc
	bytes  *atomic.Int64
}

func (c *cancelAfterPart) PartDone(upload.PartInfo) {
	if c.cancel != nil {
		c.once.Do(c.cancel)
	}
}

func (c *cancelAfterPart) BytesSent(n int64) { c.bytes.Add(n) }

// Cancelling the context stops the upload and keeps it; the same upload
// run again resumes it (Result.Resumed > 0) and stores the exact file.
func TestLibraryCancelledUploadResumes(t *testing.T) {
	const total = 25 * size.MiB
	src, sum := makeFile(t, total)
	key := uniqueKey(t, "resume.bin")
	defer abortUploadsOf(t, key)
	journals, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	client := libraryClient(t)
	run := func(ctx context.Context, l upload.Listener) (upload.Result, error) {
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		u := upload.New(client, upload.Options{PartSize: 5 * size.MiB, Concurrency: 1, Journals: journals, Listener: l})
		return u.Upload(ctx, upload.Input{Bucket: stack.Bucket, Key: key, Body: f, Size: total, SourcePath: src, SSE: kmsSSE()})
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var firstBytes atomic.Int64
	_, err = run(ctx, &cancelAfterPart{cancel: cancel, bytes: &firstBytes})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: error %v, want context.Canceled", err)
	}
	var ue *upload.Error
	if !errors.As(err, &ue) || !ue.Kept || ue.Aborted || ue.UploadID == "" {
		t.Fatalf("first run: error %v: want an *upload.Error with the upload kept", err)
	}
	if objectExists(t, key) {
		t.Fatal("a cancelled upload completed the object")
	}
	if ids := uploadsFor(t, key); len(ids) != 1 || ids[0] != ue.UploadID {
		t.Fatalf("uploads of the key after the cancel: %v, want just %s", ids, ue.UploadID)
	}

	var secondBytes atomic.Int64
	res, err := run(context.Background(), &cancelAfterPart{bytes: &secondBytes})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if res.Resumed <= 0 || res.Resumed%(5*size.MiB) != 0 || res.UploadID != ue.UploadID {
		t.Fatalf("second run: Resumed %d, upload %s: want whole parts resumed from upload %s", res.Resumed, res.UploadID, ue.UploadID)
	}
	if got := secondBytes.Load(); got != total-res.Resumed {
		t.Errorf("second run reported %d bytes sent, want %d (the size less the %d resumed)", got, total-res.Resumed, res.Resumed)
	}
	t.Logf("first run sent %d bytes before the cancel; second resumed %d and sent %d", firstBytes.Load(), res.Resumed, secondBytes.Load())
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatalf("stored SHA-256 %s, source %s", got, sum)
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("uploads left after the resumed upload completed: %v", ids)
	}
}
