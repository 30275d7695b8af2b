package outside

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// stackInfo is the part of the teststack command's stack.json these tests
// need (the file holds the Stack's public fields; a module outside cannot
// import internal/teststack, so it decodes its own struct).
type stackInfo struct {
	Endpoint  string
	Region    string
	Bucket    string
	KeyARN    string
	Full      stackUser
	NoDecrypt stackUser
}

type stackUser struct {
	Name            string
	AccessKeyID     string
	SecretAccessKey string
	ARN             string
}

var (
	// stack is nil when the tests skip (no moto_server, CI unset).
	stack *stackInfo
	// skipReason says why stack is nil.
	skipReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if _, err := exec.LookPath("moto_server"); err != nil {
		msg := "the outside module's tests need moto_server on PATH (pip install 'moto[server]') for the local AWS stack"
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "outside: FAIL:", msg, "(CI is set, so this is a failure, not a skip)")
			return 1
		}
		skipReason = msg + "; skipped (with CI set this fails)"
		fmt.Fprintln(os.Stderr, "outside: SKIP:", skipReason)
		// Examples have no t.Skip: leave out the one that needs the stack.
		skip := "^Example_localStack$"
		if s := flag.Lookup("test.skip").Value.String(); s != "" {
			skip = s + "|" + skip
		}
		_ = flag.Set("test.skip", skip)
		return m.Run()
	}

	tmp, err := os.MkdirTemp("", "uploader-outside-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "outside:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	stackDir := filepath.Join(tmp, "stack")
	teststack := filepath.Join(tmp, "teststack")

	// The stack's command lives in the parent module (internal/teststack);
	// build it there, as a user of the repository would.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "outside:", err)
		return 1
	}
	build := exec.Command("go", "build", "-o", teststack, "./internal/teststack/cmd/teststack")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "outside: building the teststack command:", err)
		return 1
	}

	// A watchdog stops the stack and removes tmp once this process is gone,
	// however it ends: a panicking test, a -timeout or a signal exit
	// without running the deferred stop below. It runs in its own session
	// with no inherited descriptors, so it neither dies with this process
	// group nor holds go test's output open.
	if err := startWatchdog(teststack, stackDir, tmp); err != nil {
		fmt.Fprintln(os.Stderr, "outside: starting the watchdog:", err)
		return 1
	}
	defer stopStack(teststack, stackDir)

	start := exec.Command(teststack, "start", "--dir", stackDir)
	start.Stdout, start.Stderr = os.Stderr, os.Stderr
	if err := start.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "outside: teststack start:", err)
		return 1
	}
	b, err := os.ReadFile(filepath.Join(stackDir, "stack.json"))
	if err == nil {
		stack = new(stackInfo)
		err = json.Unmarshal(b, stack)
	}
	if err == nil && (stack.Endpoint == "" || stack.Bucket == "" || stack.KeyARN == "" || stack.Full.SecretAccessKey == "" || stack.NoDecrypt.SecretAccessKey == "") {
		err = fmt.Errorf("stack.json lacks a field these tests need: %s", b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "outside: reading stack.json:", err)
		return 1
	}
	return m.Run()
}

func stopStack(teststack, dir string) {
	stop := exec.Command(teststack, "stop", "--dir", dir)
	stop.Stdout, stop.Stderr = os.Stderr, os.Stderr
	if err := stop.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "outside: teststack stop:", err)
	}
}

// startWatchdog starts a shell that waits for this process to exit, then
// runs teststack stop (by the pid in the stack directory) and removes tmp.
// After a normal exit the stack is already stopped and tmp removed, and it
// finds nothing to do.
func startWatchdog(teststack, stackDir, tmp string) error {
	const script = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
[ -x "$2" ] && "$2" stop --dir "$3"
rm -rf "$4"`
	cmd := exec.Command("/bin/sh", "-c", script, "watchdog", strconv.Itoa(os.Getpid()), teststack, stackDir, tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // stdin, stdout, stderr: /dev/null
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// needStack skips t when the stack could not start for lack of moto_server
// (CI unset; with CI set TestMain has failed already).
func needStack(t *testing.T) {
	t.Helper()
	if stack == nil {
		t.Skip(skipReason)
	}
}

// awsConfig is the aws.Config an embedder builds for the stack: static
// credentials of one of its users and the stack as the endpoint of every
// service. S3 goes path-style on its own for an IP endpoint, as the README
// says; nothing from the machine (profiles, environment) is read.
func awsConfig(u stackUser) aws.Config {
	return aws.Config{
		Region:       stack.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(u.AccessKeyID, u.SecretAccessKey, ""),
		BaseEndpoint: aws.String(stack.Endpoint),
	}
}

func s3Client(u stackUser, opts ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(awsConfig(u), opts...)
}

// testPrefix is a key prefix of the test's own. It is flat, letters,
// digits and '_' only: moto (5.2.1, with IAM enforcement) rejects the
// signature of a request whose path or query SigV4 percent-encodes, which
// a '/' in a ListMultipartUploads or ListObjectsV2 prefix is, and so are
// most punctuation and non-ASCII letters in a key. S3 takes them all.
//
// It holds a number unique to the run of the test, so that -count=N and a
// test whose name begins another's never share keys.
func testPrefix(t *testing.T) string {
	if p, ok := prefixes.Load(t); ok {
		return p.(string)
	}
	p := fmt.Sprintf("outside_%s_%d_", strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name()), prefixSeq.Add(1))
	prefixes.Store(t, p)
	return p
}

var (
	prefixes  sync.Map // *testing.T -> its prefix
	prefixSeq atomic.Int64
)

// testKey is a key under the test's prefix. The test's unfinished uploads
// are aborted when it ends, so a failure leaves nothing behind.
func testKey(t *testing.T, name string) string {
	t.Helper()
	prefix := testPrefix(t)
	t.Cleanup(func() { abortAll(t, prefix) })
	return prefix + name
}

// abortAll aborts every multipart upload under prefix, with the SDK.
func abortAll(t *testing.T, prefix string) {
	t.Helper()
	ctx := context.Background()
	c := s3Client(stack.Full)
	for _, up := range pendingUploads(t, prefix) {
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: up.Key, UploadId: up.UploadId}); err != nil {
			t.Errorf("cleanup: abort %s %s: %v", aws.ToString(up.Key), aws.ToString(up.UploadId), err)
		}
	}
}

type pendingUpload struct{ Key, UploadId *string }

// pendingUploads lists the multipart uploads under prefix with the SDK
// (not the library, whose listing is under test elsewhere).
func pendingUploads(t *testing.T, prefix string) []pendingUpload {
	t.Helper()
	out, err := s3Client(stack.Full).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(stack.Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	var ups []pendingUpload
	for _, u := range out.Uploads {
		ups = append(ups, pendingUpload{u.Key, u.UploadId})
	}
	return ups
}

// makeFile writes n pseudo-random bytes to a file of the test's and
// returns its absolute path and SHA-256.
func makeFile(t *testing.T, dir string, name string, n int64) (string, string) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(randomReader(name), n)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

// randomReader is an endless stream of bytes seeded by name.
func randomReader(name string) io.Reader {
	var seed [32]byte
	copy(seed[:], name)
	return rand.NewChaCha8(seed)
}

// stored is what GetObject returns for a key.
type stored struct {
	SHA256   string
	Size     int64
	SSE      string
	KMSKeyID string
}

// getObject downloads key as the full user and hashes it. Response
// checksum validation is when_required: moto's stored checksums are not
// real (see TESTSTACK.md), so the SHA-256 is the check.
func getObject(t *testing.T, key string) stored {
	t.Helper()
	c := s3Client(stack.Full, func(o *s3.Options) { o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired })
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		t.Fatalf("GetObject %s: reading: %v", key, err)
	}
	return stored{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, SSE: string(out.ServerSideEncryption), KMSKeyID: aws.ToString(out.SSEKMSKeyId)}
}

// testCtx is a context that ends with the test, and no later than a few
// minutes from now (a hung request fails the test, not the whole run).
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
