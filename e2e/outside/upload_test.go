package outside

import (
	"context"
	"encoding/base64"
	"errors"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/upload"
)

// Small sizes throughout: 5 MiB parts (S3's minimum) and a 5 MiB threshold,
// so a file of a few MiB goes multipart.
const (
	partSize  = 5 << 20
	threshold = 5 << 20
)

func kmsSSE() upload.SSE { return upload.SSE{Mode: upload.SSEKMS, KMSKeyID: stack.KeyARN} }

// uploadFile uploads the file at src to key with u, as an embedder does:
// an *os.File (read in place), its size, and its absolute path for the
// journal and the source-unchanged check.
func uploadFile(ctx context.Context, t *testing.T, u *upload.Uploader, src, key string) (upload.Result, error) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return u.Upload(ctx, upload.Input{
		Bucket: stack.Bucket, Key: key,
		Body: f, Size: fi.Size(), SourcePath: src,
		SSE: kmsSSE(),
	})
}

// fileChecksum is the base64 full-object checksum S3 would report for the
// file: the algorithm over every byte, big-endian.
func fileChecksum(t *testing.T, path string, h hash.Hash) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// crc64NVME is CRC-64/NVME (S3's CRC64NVME) from the standard library: the
// reflected polynomial 0x9a6c9329ac4bc9b5, all-ones init and final xor.
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

// checkVerifiedOrNoted: the library claims ChecksumVerified only when S3
// reported the same checksum; otherwise it says so in Notes. moto reports
// none for multipart (see TESTSTACK.md), so here a note is expected.
func checkVerifiedOrNoted(t *testing.T, res upload.Result) {
	t.Helper()
	if !res.ChecksumVerified && len(res.Notes) == 0 {
		t.Errorf("ChecksumVerified is false and Result.Notes says nothing about it")
	}
	t.Logf("checksum %s %s %s verified=%v notes=%q", res.ChecksumAlgorithm, res.ChecksumType, res.Checksum, res.ChecksumVerified, res.Notes)
}

func objectExists(t *testing.T, key string) bool {
	t.Helper()
	_, err := s3Client(stack.Full).HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	return err == nil
}

// 1. A file with SSE-KMS: the Result describes what S3 stored, and the
// stored bytes are the file's.
func TestUploadFileSSEKMS(t *testing.T) {
	needStack(t)
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 3})

	t.Run("multipart", func(t *testing.T) {
		const size = 12 << 20
		src, sum := makeFile(t, "", "file.bin", size)
		key := testKey(t, "file.bin")
		res, err := uploadFile(testCtx(t), t, u, src, key)
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if res.Bucket != stack.Bucket || res.Key != key || res.Size != size || res.Resumed != 0 {
			t.Errorf("Result bucket %q key %q size %d resumed %d", res.Bucket, res.Key, res.Size, res.Resumed)
		}
		if !res.Plan.Multipart || res.Plan.PartSize != partSize || res.Plan.Parts != 3 || res.UploadID == "" {
			t.Errorf("Result plan %+v upload id %q: want multipart, 3 parts of 5 MiB", res.Plan, res.UploadID)
		}
		if etag := strings.Trim(res.ETag, `"`); !strings.HasSuffix(etag, "-3") {
			t.Errorf("ETag %q: want a multipart ETag of 3 parts", res.ETag)
		}
		if res.SSE != upload.SSEKMS || res.KMSKeyID != stack.KeyARN {
			t.Errorf("Result SSE %q key %q, want %q %q", res.SSE, res.KMSKeyID, upload.SSEKMS, stack.KeyARN)
		}
		if res.ChecksumAlgorithm != string(upload.CRC64NVME) || res.ChecksumType != "FULL_OBJECT" {
			t.Errorf("Result checksum %q type %q, want the default CRC64NVME, FULL_OBJECT", res.ChecksumAlgorithm, res.ChecksumType)
		}
		if want := fileChecksum(t, src, crc64.New(crc64NVME)); res.Checksum != want {
			t.Errorf("Result.Checksum %q, the file's CRC64NVME is %q", res.Checksum, want)
		}
		checkVerifiedOrNoted(t, res)
		got := getObject(t, key)
		if got.SHA256 != sum || got.Size != size {
			t.Fatalf("stored %d bytes, SHA-256 %s; the file has %d, %s", got.Size, got.SHA256, size, sum)
		}
		if got.SSE != "aws:kms" || got.KMSKeyID != stack.KeyARN {
			t.Errorf("GetObject says SSE %q key %q", got.SSE, got.KMSKeyID)
		}
	})

	t.Run("single request", func(t *testing.T) {
		const size = 100 << 10
		src, sum := makeFile(t, "", "small.bin", size)
		key := testKey(t, "small.bin")
		res, err := uploadFile(testCtx(t), t, u, src, key)
		if err != nil {
			t.Fatalf("Upload: %v", err)
		}
		if res.Plan.Multipart || res.UploadID != "" || res.ETag == "" || res.SSE != upload.SSEKMS || res.KMSKeyID != stack.KeyARN {
			t.Errorf("Result %+v: want one PutObject with SSE-KMS and the key", res)
		}
		if want := fileChecksum(t, src, crc64.New(crc64NVME)); res.Checksum != want {
			t.Errorf("Result.Checksum %q, the file's CRC64NVME is %q", res.Checksum, want)
		}
		if got := getObject(t, key); got.SHA256 != sum {
			t.Fatalf("stored SHA-256 %s, the file's %s", got.SHA256, sum)
		}
	})
}

// 2. A stream of unknown size (Size -1) from an io.Pipe, which has no
// ReadAt: buffered a part at a time.
func TestUploadStream(t *testing.T) {
	needStack(t)
	const size = 11<<20 + 12345
	key := testKey(t, "stream.bin")
	path, sum := makeFile(t, "", "stream-source", size)
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// The pipe's reader is all the engine sees: no ReadAt, no Seek, no size.
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, src)
		pw.CloseWithError(err)
	}()
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2})
	res, err := u.Upload(testCtx(t), upload.Input{Bucket: stack.Bucket, Key: key, Body: pr, Size: -1, SSE: kmsSSE()})
	pr.Close() // ends the copy if the upload stopped reading early
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.Size != size || !res.Plan.Multipart || res.Plan.PartSize != partSize || res.UploadID == "" {
		t.Errorf("Result size %d plan %+v upload id %q: want %d bytes, multipart in 5 MiB parts", res.Size, res.Plan, res.UploadID, size)
	}
	if res.SSE != upload.SSEKMS || res.KMSKeyID != stack.KeyARN {
		t.Errorf("Result SSE %q key %q", res.SSE, res.KMSKeyID)
	}
	checkVerifiedOrNoted(t, res)
	if got := getObject(t, key); got.SHA256 != sum || got.Size != size {
		t.Fatalf("stored %d bytes, SHA-256 %s; sent %d, %s", got.Size, got.SHA256, size, sum)
	}
}

// progressCounter is a Listener: called from many goroutines at once, so
// its counters are atomic; NopListener covers Retrying.
type progressCounter struct {
	upload.NopListener
	started   atomic.Int32
	bytes     atomic.Int64
	parts     atomic.Int32
	partBytes atomic.Int64
	mu        sync.Mutex
	start     upload.StartInfo
}

func (p *progressCounter) Started(s upload.StartInfo) {
	p.started.Add(1)
	p.mu.Lock()
	p.start = s
	p.mu.Unlock()
}

func (p *progressCounter) BytesSent(n int64) { p.bytes.Add(n) }

func (p *progressCounter) PartDone(pi upload.PartInfo) {
	p.parts.Add(1)
	p.partBytes.Add(pi.Size)
}

// 3. Progress: the Listener's BytesSent sum to the size, one PartDone per
// part, one Started with the plan and the upload id.
func TestProgressListener(t *testing.T) {
	needStack(t)
	const size = 17 << 20 // parts of 5, 5, 5 and 2 MiB
	src, _ := makeFile(t, "", "progress.bin", size)
	key := testKey(t, "progress.bin")
	p := &progressCounter{}
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 3, Listener: p})
	res, err := uploadFile(testCtx(t), t, u, src, key)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if got := p.bytes.Load(); got != size {
		t.Errorf("BytesSent summed to %d, want %d", got, size)
	}
	if got := p.parts.Load(); got != 4 || int(got) != res.Plan.Parts {
		t.Errorf("PartDone called %d times; the plan has %d parts, want 4", got, res.Plan.Parts)
	}
	if got := p.partBytes.Load(); got != size {
		t.Errorf("PartInfo sizes sum to %d, want %d", got, size)
	}
	if got := p.started.Load(); got != 1 {
		t.Errorf("Started called %d times, want 1", got)
	}
	if s := p.start; s.UploadID != res.UploadID || s.Size != size || s.Plan != res.Plan || s.Concurrency != 3 || s.Resumed != 0 {
		t.Errorf("StartInfo %+v; Result upload id %s plan %+v", s, res.UploadID, res.Plan)
	}
}

// 5. The typed failure: without kms:Decrypt, an SSE-KMS multipart upload
// is denied at UploadPart; the error holds a *upload.Diagnosis with a
// stable Code and a *upload.Error with the upload id and its fate.
func TestDiagnosisMissingKMSDecrypt(t *testing.T) {
	needStack(t)
	const size = 12 << 20
	src, _ := makeFile(t, "", "denied.bin", size)
	for _, tc := range []struct {
		name     string
		journals bool // with journals the upload is kept, else aborted
	}{{"aborted without journals", false}, {"kept with journals", true}} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey(t, "denied.bin")
			cfg := awsConfig(stack.NoDecrypt)
			opts := upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2,
				// No preflight ran: the diagnosis asks STS who the caller is,
				// and proves the cause with a KMS round trip of its own.
				KMS:         kms.NewFromConfig(cfg),
				Diagnostics: upload.Diagnostics{LookupPrincipal: lookupPrincipalFor(cfg)}}
			if tc.journals {
				js, err := upload.OpenJournals(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				opts.Journals = js
			}
			u := upload.New(s3.NewFromConfig(cfg), opts)
			_, err := uploadFile(testCtx(t), t, u, src, key)
			if err == nil {
				t.Fatal("the upload succeeded without kms:Decrypt")
			}
			var d *upload.Diagnosis
			if !errors.As(err, &d) {
				t.Fatalf("error %v (%T) holds no *upload.Diagnosis", err, err)
			}
			if d.Code != upload.MissingKMSDecrypt || d.Operation != "UploadPart" || d.Part < 1 || d.Parts != 3 {
				t.Errorf("Diagnosis code %q operation %q part %d of %d: want %q on UploadPart", d.Code, d.Operation, d.Part, d.Parts, upload.MissingKMSDecrypt)
			}
			if d.Principal != stack.NoDecrypt.ARN || d.Key != stack.KeyARN {
				t.Errorf("Diagnosis principal %q key %q, want %q %q", d.Principal, d.Key, stack.NoDecrypt.ARN, stack.KeyARN)
			}
			if d.Remedy == "" || !strings.Contains(d.Error(), "kms:Decrypt") {
				t.Errorf("Diagnosis without a remedy or without naming kms:Decrypt: %v\nremedy: %s", d, d.Remedy)
			}
			var ue *upload.Error
			if !errors.As(err, &ue) {
				t.Fatalf("error %v holds no *upload.Error", err)
			}
			if ue.UploadID == "" || d.UploadID != ue.UploadID {
				t.Errorf("upload.Error upload id %q, Diagnosis upload id %q", ue.UploadID, d.UploadID)
			}
			left := pendingUploads(t, testPrefix(t))
			if tc.journals {
				if !ue.Kept || ue.Aborted || len(left) != 1 || aws.ToString(left[0].UploadId) != ue.UploadID {
					t.Errorf("with journals: Kept %v Aborted %v, uploads left %d: want the upload kept for a rerun", ue.Kept, ue.Aborted, len(left))
				}
			} else if ue.Kept || !ue.Aborted || ue.AbortErr != nil || len(left) != 0 {
				t.Errorf("without journals: Kept %v Aborted %v AbortErr %v, uploads left %d: want it aborted", ue.Kept, ue.Aborted, ue.AbortErr, len(left))
			}
			if objectExists(t, key) {
				t.Error("an object was stored")
			}
		})
	}
}

// cancelOnFirstPart cancels the upload's context once S3 acknowledged a
// part, as a Ctrl-C would.
type cancelOnFirstPart struct {
	upload.NopListener
	once   sync.Once
	cancel context.CancelFunc
}

func (c *cancelOnFirstPart) PartDone(upload.PartInfo) { c.once.Do(c.cancel) }

// keepAfterFirstPart starts an upload of src to key with journals and
// cancels it after its first part: the upload is kept and journaled. It
// returns the kept upload's id.
func keepAfterFirstPart(t *testing.T, journals *upload.Journals, src, key string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 1,
		Journals: journals, Listener: &cancelOnFirstPart{cancel: cancel}})
	_, err := uploadFile(ctx, t, u, src, key)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled upload: error %v, want context.Canceled", err)
	}
	var ue *upload.Error
	if !errors.As(err, &ue) || !ue.Kept || ue.Aborted || ue.UploadID == "" {
		t.Fatalf("cancelled upload: error %v: want an *upload.Error, kept, with an upload id", err)
	}
	return ue.UploadID
}

// 6. Cancel and resume: a cancelled upload with Options.Journals is kept;
// the same upload run again sends only the missing parts.
func TestCancelAndResume(t *testing.T) {
	needStack(t)
	const size = 12 << 20
	src, sum := makeFile(t, "", "resume.bin", size)
	key := testKey(t, "resume.bin")
	journals, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := keepAfterFirstPart(t, journals, src, key)
	if objectExists(t, key) {
		t.Fatal("a cancelled upload completed the object")
	}
	if left := pendingUploads(t, testPrefix(t)); len(left) != 1 || aws.ToString(left[0].UploadId) != id {
		t.Fatalf("uploads after the cancel: %d, want just %s", len(left), id)
	}

	p := &progressCounter{}
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2, Journals: journals, Listener: p})
	res, err := uploadFile(testCtx(t), t, u, src, key)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if res.UploadID != id || res.Resumed <= 0 || res.Resumed%partSize != 0 {
		t.Fatalf("rerun: upload %s, Resumed %d: want whole parts resumed from upload %s", res.UploadID, res.Resumed, id)
	}
	if got := p.bytes.Load(); got != size-res.Resumed {
		t.Errorf("rerun reported %d bytes sent, want %d (the size less the %d resumed)", got, size-res.Resumed, res.Resumed)
	}
	if p.start.Resumed != res.Resumed {
		t.Errorf("StartInfo.Resumed %d, Result.Resumed %d", p.start.Resumed, res.Resumed)
	}
	if got := getObject(t, key); got.SHA256 != sum {
		t.Fatalf("stored SHA-256 %s, the file's %s", got.SHA256, sum)
	}
	if left := pendingUploads(t, testPrefix(t)); len(left) != 0 {
		t.Errorf("%d uploads left after the resumed upload completed", len(left))
	}
}

// holdInStarted is a Listener that blocks in Started (the journal is
// locked by then) until release is closed.
type holdInStarted struct {
	upload.NopListener
	holding chan struct{}
	release chan struct{}
}

func (h holdInStarted) Started(upload.StartInfo) {
	close(h.holding)
	<-h.release
}

// 7. A locked upload: while one Upload of a file to a key runs with the
// journals, a second one of the same file to the same key (another
// Uploader, another Journals on the same folder) is refused at once with
// ErrLocked, and the first completes.
func TestLockedUpload(t *testing.T) {
	needStack(t)
	const size = 12 << 20
	src, sum := makeFile(t, "", "locked.bin", size)
	key := testKey(t, "locked.bin")
	dir := t.TempDir()
	journals, err := upload.OpenJournals(dir)
	if err != nil {
		t.Fatal(err)
	}
	hold := holdInStarted{holding: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	// finish lets the first upload go on and waits for it; deferred too, so
	// a failing test never leaves it running.
	finish := sync.OnceValue(func() error {
		close(hold.release)
		return <-first
	})
	defer finish()
	ctx := testCtx(t)
	go func() {
		u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Journals: journals, Listener: hold})
		f, err := os.Open(src)
		if err != nil {
			first <- err
			return
		}
		defer f.Close()
		_, err = u.Upload(ctx, upload.Input{Bucket: stack.Bucket, Key: key, Body: f, Size: size, SourcePath: src, SSE: kmsSSE()})
		first <- err
	}()
	select {
	case <-hold.holding:
	case err := <-first:
		first <- err // for finish
		t.Fatalf("the first upload ended before it started sending: %v", err)
	}

	other, err := upload.OpenJournals(dir)
	if err != nil {
		t.Fatal(err)
	}
	u2 := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Journals: other})
	_, err = uploadFile(testCtx(t), t, u2, src, key)
	if !errors.Is(err, upload.ErrLocked) {
		t.Fatalf("second upload: error %v (%T), want one matching upload.ErrLocked", err, err)
	}
	var le *upload.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second upload: error %v holds no *upload.LockedError", err)
	}
	if le.PID != os.Getpid() || le.Identity.Key != key || le.Identity.Source != src {
		t.Errorf("LockedError PID %d (this process is %d), identity %+v", le.PID, os.Getpid(), le.Identity)
	}
	var ue *upload.Error
	if !errors.As(err, &ue) || ue.UploadID != "" || ue.Kept || ue.Aborted {
		t.Errorf("second upload: error %v: want an *upload.Error with no upload (nothing was sent)", err)
	}

	if err := finish(); err != nil {
		t.Fatalf("the first upload failed: %v", err)
	}
	if got := getObject(t, key); got.SHA256 != sum {
		t.Fatalf("stored SHA-256 %s, the file's %s", got.SHA256, sum)
	}
}

// 8. Unfinished uploads: ListUploads sees kept uploads with their
// journals; AbortUpload aborts one by id (a second abort of it is a
// *NoSuchUploadError); AbortUploadsOlderThan aborts the rest.
func TestListAndAbortUploads(t *testing.T) {
	needStack(t)
	ctx := testCtx(t)
	client := s3Client(stack.Full)
	journals, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srcA, _ := makeFile(t, dir, "a.bin", 12<<20)
	srcB, _ := makeFile(t, dir, "b.bin", 12<<20)
	keyA, keyB := testKey(t, "a.bin"), testKey(t, "b.bin")
	idA := keepAfterFirstPart(t, journals, srcA, keyA)
	idB := keepAfterFirstPart(t, journals, srcB, keyB)
	prefix := testPrefix(t)

	list, err := upload.ListUploads(ctx, client, upload.ListUploadsOptions{Bucket: stack.Bucket, Prefix: prefix, Journals: journals})
	if err != nil {
		t.Fatalf("ListUploads: %v", err)
	}
	if len(list.Uploads) != 2 || len(list.Cleaned) != 0 {
		t.Fatalf("ListUploads: %+v: want the 2 kept uploads, no journal cleaned", list)
	}
	for i, want := range []struct{ key, id, src string }{{keyA, idA, srcA}, {keyB, idB, srcB}} {
		got := list.Uploads[i] // by key
		if got.Bucket != stack.Bucket || got.Key != want.key || got.UploadID != want.id || got.Source != want.src {
			t.Errorf("upload %d: %+v, want %s %s from %s", i, got, want.key, want.id, want.src)
		}
		if got.JournaledParts < 1 || got.JournaledBytes != int64(got.JournaledParts)*partSize || got.Initiated.IsZero() {
			t.Errorf("upload %d: journaled %d parts, %d bytes, initiated %v", i, got.JournaledParts, got.JournaledBytes, got.Initiated)
		}
	}

	rep, err := upload.AbortUpload(ctx, client, upload.AbortUploadOptions{Bucket: stack.Bucket, Key: keyA, UploadID: idA, Journals: journals})
	if err != nil {
		t.Fatalf("AbortUpload: %v", err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Err != nil || rep.Results[0].Failed() || rep.Results[0].Upload.Source != srcA {
		t.Errorf("AbortUpload results %+v", rep.Results)
	}
	if len(rep.Cleaned) != 1 || rep.Cleaned[0].UploadID != idA || rep.Cleaned[0].Source != srcA {
		t.Errorf("AbortUpload cleaned %+v, want the journal of %s", rep.Cleaned, idA)
	}

	rep, err = upload.AbortUpload(ctx, client, upload.AbortUploadOptions{Bucket: stack.Bucket, Key: keyA, UploadID: idA, Journals: journals})
	var gone *upload.NoSuchUploadError
	if !errors.As(err, &gone) {
		t.Fatalf("second AbortUpload: error %v (%T), want a *upload.NoSuchUploadError", err, err)
	}
	if gone.Bucket != stack.Bucket || gone.Key != keyA || gone.UploadID != idA {
		t.Errorf("NoSuchUploadError %+v", gone)
	}
	if len(rep.Results) != 1 || rep.Results[0].Failed() {
		t.Errorf("second AbortUpload results %+v: an upload already gone is not a failed abort", rep.Results)
	}

	rep, err = upload.AbortUploadsOlderThan(ctx, client, upload.AbortOlderThanOptions{Bucket: stack.Bucket, Prefix: prefix, OlderThan: 0, Journals: journals})
	if err != nil {
		t.Fatalf("AbortUploadsOlderThan: %v", err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Upload.UploadID != idB || rep.Results[0].Err != nil {
		t.Errorf("AbortUploadsOlderThan results %+v, want %s aborted", rep.Results, idB)
	}
	if len(rep.Cleaned) != 1 || rep.Cleaned[0].UploadID != idB {
		t.Errorf("AbortUploadsOlderThan cleaned %+v, want the journal of %s", rep.Cleaned, idB)
	}

	list, err = upload.ListUploads(ctx, client, upload.ListUploadsOptions{Bucket: stack.Bucket, Prefix: prefix, Journals: journals})
	if err != nil || len(list.Uploads) != 0 || len(list.Cleaned) != 0 {
		t.Errorf("ListUploads after the aborts: %+v, %v: want nothing", list, err)
	}
}

// 9. The checksum algorithm from a string (a config file, a flag) into
// Options.Checksum.
func TestChecksumAlgorithmFromString(t *testing.T) {
	for _, s := range []string{"crc32c", "CRC32C", "Crc32c"} {
		alg, err := upload.ParseChecksumAlgorithm(s)
		if err != nil || alg != upload.CRC32C {
			t.Errorf("ParseChecksumAlgorithm(%q) = %q, %v; want %q", s, alg, err, upload.CRC32C)
		}
	}
	if alg, err := upload.ParseChecksumAlgorithm("md5"); err == nil {
		t.Errorf("ParseChecksumAlgorithm(md5) = %q, no error", alg)
	}

	needStack(t)
	alg, err := upload.ParseChecksumAlgorithm("crc32c")
	if err != nil {
		t.Fatal(err)
	}
	const size = 12 << 20
	src, sum := makeFile(t, "", "crc32c.bin", size)
	key := testKey(t, "crc32c.bin")
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Checksum: alg})
	res, err := uploadFile(testCtx(t), t, u, src, key)
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.ChecksumAlgorithm != "CRC32C" || res.ChecksumType != "FULL_OBJECT" {
		t.Errorf("Result checksum %q type %q, want CRC32C FULL_OBJECT", res.ChecksumAlgorithm, res.ChecksumType)
	}
	if want := fileChecksum(t, src, crc32.New(crc32.MakeTable(crc32.Castagnoli))); res.Checksum != want {
		t.Errorf("Result.Checksum %q, the file's CRC32C is %q", res.Checksum, want)
	}
	checkVerifiedOrNoted(t, res)
	if got := getObject(t, key); got.SHA256 != sum {
		t.Fatalf("stored SHA-256 %s, the file's %s", got.SHA256, sum)
	}
}
