package outside

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/upload"
)

// syncBuffer is a bytes.Buffer safe for the many goroutines of an upload.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var signature = regexp.MustCompile(`Signature=[0-9a-f]{64}`)

// 10. Debug logging: upload.DebugLogging as an s3 option logs every
// request and response line at Debug, with no secret in them; a logger
// that does not log Debug gets nothing. DebugHTTPClient does the same for
// every client of a config.
func TestDebugLogging(t *testing.T) {
	needStack(t)
	src, _ := makeFile(t, "", "debug.bin", 12<<20)
	key := testKey(t, "debug.bin")

	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	u := upload.New(s3Client(stack.Full, upload.DebugLogging(logger)), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2})
	if _, err := uploadFile(testCtx(t), t, u, src, key); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	out := logs.String()
	for _, want := range []string{`msg="http request"`, `msg="http response"`, "method=POST", "method=PUT", "?uploads", "partNumber=1", "partNumber=3", "uploadId=", `status="200 OK"`, stack.Endpoint} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q", want)
		}
	}
	if strings.Contains(out, stack.Full.SecretAccessKey) {
		t.Error("debug log holds the secret access key")
	}
	if strings.Contains(out, stack.Full.AccessKeyID) {
		t.Error("debug log holds the access key id")
	}
	if m := signature.FindString(out); m != "" {
		t.Errorf("debug log holds a request signature: %s", m)
	}
	if t.Failed() {
		t.Logf("debug log:\n%s", out)
	}

	var quiet syncBuffer
	info := slog.New(slog.NewTextHandler(&quiet, &slog.HandlerOptions{Level: slog.LevelInfo}))
	u = upload.New(s3Client(stack.Full, upload.DebugLogging(info)), upload.Options{PartSize: partSize, Threshold: threshold})
	if _, err := uploadFile(testCtx(t), t, u, src, key); err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if s := quiet.String(); s != "" {
		t.Errorf("a logger at Info got records:\n%s", s)
	}

	var all syncBuffer
	cfg := awsConfig(stack.Full)
	cfg.HTTPClient = upload.DebugHTTPClient(cfg.HTTPClient, slog.New(slog.NewTextHandler(&all, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if _, err := upload.LookupPrincipal(testCtx(t), sts.NewFromConfig(cfg)); err != nil {
		t.Fatalf("LookupPrincipal through DebugHTTPClient: %v", err)
	}
	if s := all.String(); !strings.Contains(s, `msg="http request"`) || !strings.Contains(s, `msg="http response"`) || strings.Contains(s, stack.Full.SecretAccessKey) {
		t.Errorf("DebugHTTPClient's log of an STS call:\n%s", s)
	}
}

// 11. LookupPrincipal names the caller as policies must: the IAM user's ARN.
func TestLookupPrincipal(t *testing.T) {
	needStack(t)
	for _, u := range []stackUser{stack.Full, stack.NoDecrypt} {
		arn, err := upload.LookupPrincipal(testCtx(t), sts.NewFromConfig(awsConfig(u)))
		if err != nil || arn != u.ARN {
			t.Errorf("LookupPrincipal as %s = %q, %v; want %q", u.Name, arn, err, u.ARN)
		}
	}
}

// 12. A directory, as the docs describe it for the library: one Uploader
// (one budget of requests in flight) shared by concurrent Upload calls,
// one per file found by filepath.WalkDir, key = prefix + the relative
// path with slashes.
func TestDirectoryUpload(t *testing.T) {
	needStack(t)
	root := filepath.Join(t.TempDir(), "tree")
	want := map[string]string{} // relative path -> SHA-256
	sizes := map[string]int64{}
	for rel, size := range map[string]int64{
		"a.txt":            1 << 10,
		"empty":            0,
		"sub/b.bin":        7 << 20, // multipart: 2 parts
		"sub/deeper/c.bin": 12 << 20,
		"sub/deeper/d.txt": 10,
		"with space/e.md":  300, // no non-ASCII: see testPrefix
	} {
		_, sum := makeFile(t, root, filepath.FromSlash(rel), size)
		want[rel], sizes[rel] = sum, size
	}
	prefix := testPrefix(t) + "tree_"
	t.Cleanup(func() { abortAll(t, prefix) })

	p := &progressCounter{}
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 4, Listener: p})
	ctx := testCtx(t)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := uploadOne(ctx, u, path, prefix+filepath.ToSlash(rel))
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
		return nil
	})
	wg.Wait()
	if err != nil {
		t.Fatalf("WalkDir: %v", err)
	}
	for _, err := range errs {
		t.Errorf("Upload: %v", err)
	}
	if t.Failed() {
		t.FailNow()
	}

	var total int64
	for _, s := range sizes {
		total += s
	}
	if got := p.bytes.Load(); got != total {
		t.Errorf("the shared Listener got %d bytes, the tree has %d", got, total)
	}
	if got := int(p.started.Load()); got != len(want) {
		t.Errorf("the shared Listener got %d Started, for %d files", got, len(want))
	}

	out, err := s3Client(stack.Full).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, strings.TrimPrefix(aws.ToString(o.Key), prefix))
	}
	var wantKeys []string
	for rel := range want {
		wantKeys = append(wantKeys, rel)
	}
	sort.Strings(keys)
	sort.Strings(wantKeys)
	if strings.Join(keys, "\n") != strings.Join(wantKeys, "\n") {
		t.Fatalf("stored keys under %s:\n%s\nwant:\n%s", prefix, strings.Join(keys, "\n"), strings.Join(wantKeys, "\n"))
	}
	for rel, sum := range want {
		got := getObject(t, prefix+rel)
		if got.SHA256 != sum || got.Size != sizes[rel] || got.SSE != "aws:kms" || got.KMSKeyID != stack.KeyARN {
			t.Errorf("%s: stored %d bytes, SHA-256 %s, SSE %q key %q; want %d, %s, SSE-KMS with the key", rel, got.Size, got.SHA256, got.SSE, got.KMSKeyID, sizes[rel], sum)
		}
	}
	if left := pendingUploads(t, prefix); len(left) != 0 {
		t.Errorf("%d uploads left", len(left))
	}
}

// uploadOne is one file of a directory upload; it reports instead of
// failing the test, since it runs on its own goroutine.
func uploadOne(ctx context.Context, u *upload.Uploader, path, key string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = u.Upload(ctx, upload.Input{Bucket: stack.Bucket, Key: key, Body: f, Size: fi.Size(), SourcePath: path, SSE: kmsSSE()})
	if err != nil {
		return &keyError{key, err}
	}
	return nil
}

type keyError struct {
	key string
	err error
}

func (e *keyError) Error() string { return e.key + ": " + e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }
