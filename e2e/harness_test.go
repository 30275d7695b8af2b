// Package e2e runs the built uploader binary against the local AWS stack
// (moto behind the S3-KMS gate): one stack and one build per test run.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/teststack"
)

var (
	stack     *teststack.Stack
	binary    string // the uploader built for this run
	buildRoot string
	// stateHome is XDG_STATE_HOME for every run: resume journals go under
	// it, never into the developer's own state folder.
	stateHome string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	buildRoot, err = os.MkdirTemp("", "uploader-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(buildRoot)
	binary = filepath.Join(buildRoot, "uploader")
	stateHome = filepath.Join(buildRoot, "state")
	args := []string{"build", "-o", binary}
	if raceBuild {
		args = append(args, "-race")
	}
	if b := os.Getenv("UPLOADER_E2E_BINARY"); b != "" {
		// Another build under test, e.g. an older commit's, to show a
		// new test fails there.
		binary = b
	} else {
		build := exec.Command("go", append(args, "../cmd/uploader")...)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building uploader:", err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stack, err = teststack.Start(ctx, teststack.Options{})
	if err != nil {
		if errors.Is(err, teststack.ErrMotoNotFound) {
			fmt.Fprintln(os.Stderr, "end-to-end tests need moto_server on PATH (pip install 'moto[server]'):", err)
		} else {
			fmt.Fprintln(os.Stderr, "starting the local AWS stack:", err)
		}
		return 1
	}
	defer stack.Stop()
	return m.Run()
}

var (
	plainOnce sync.Once
	plainPath string
	plainErr  error
)

// plainBinary is the uploader built without the race detector, for tests
// that measure memory (the detector multiplies it). Without -race it is
// the binary every test uses.
func plainBinary(t *testing.T) string {
	t.Helper()
	if !raceBuild {
		return binary
	}
	plainOnce.Do(func() {
		plainPath = filepath.Join(buildRoot, "uploader-norace")
		out, err := exec.Command("go", "build", "-o", plainPath, "../cmd/uploader").CombinedOutput()
		if err != nil {
			plainErr = fmt.Errorf("building uploader without -race: %v\n%s", err, out)
		}
	})
	if plainErr != nil {
		t.Fatal(plainErr)
	}
	return plainPath
}

// cliResult is one run of the binary.
type cliResult struct {
	Code           int
	Stdout, Stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// runCLI runs the uploader as u with args and returns how it ended.
func runCLI(t *testing.T, u teststack.User, args ...string) cliResult {
	t.Helper()
	return runCLIEnv(t, u, nil, args...)
}

// runCLIEnv is runCLI with extra environment (KEY=VALUE, later wins).
func runCLIEnv(t *testing.T, u teststack.User, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append(stack.Env(u), "XDG_STATE_HOME="+stateHome), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
	default:
		t.Fatalf("running uploader %v: %v", args, err)
	}
	return res
}

// makeFile writes size random bytes to a new file and returns its path and
// SHA-256.
func makeFile(t *testing.T, size int64) (path, sha256hex string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), fmt.Sprintf("src-%d.bin", size))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	r := rand.New(rand.NewPCG(uint64(size), uint64(time.Now().UnixNano())))
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, int64(len(buf)))
		for i := 0; i < int(n); i += 8 {
			v := r.Uint64()
			for j := 0; j < 8 && i+j < int(n); j++ {
				buf[i+j] = byte(v >> (8 * j))
			}
		}
		if _, err := io.MultiWriter(f, h).Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		left -= n
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

// adminS3 is an S3 client as the stack's admin.
func adminS3(t *testing.T) *s3.Client {
	t.Helper()
	cfg, err := stack.Config(context.Background(), stack.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// listUploads lists the multipart uploads in progress on the stack's bucket.
func listUploads(t *testing.T) []types.MultipartUpload {
	t.Helper()
	out, err := adminS3(t).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(stack.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Uploads
}

// objectSHA256 downloads an object and hashes it. moto's stored checksums
// are not real, so the download does not validate them (when_required) and
// the content is compared by SHA-256 instead.
func objectSHA256(t *testing.T, key string) (string, *s3.HeadObjectOutput) {
	t.Helper()
	c := adminS3(t)
	ctx := context.Background()
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject %s: %v", key, err)
	}
	get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer get.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, get.Body); err != nil {
		t.Fatalf("downloading %s: %v", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), head
}

// objectExists reports whether key is a completed object in the bucket.
func objectExists(t *testing.T, key string) bool {
	t.Helper()
	_, err := adminS3(t).HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err == nil {
		return true
	}
	var nf *types.NotFound
	if errors.As(err, &nf) || strings.Contains(err.Error(), "404") {
		return false
	}
	t.Fatalf("HeadObject %s: %v", key, err)
	return false
}

// target is s3://BUCKET/key on the stack.
func target(key string) string { return "s3://" + stack.Bucket + "/" + key }

// uniqueKey gives each test its own object key.
func uniqueKey(t *testing.T, suffix string) string {
	// moto rejects the signature of keys with some punctuation: keep to
	// letters, digits and '_'.
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name())
	return fmt.Sprintf("e2e/%s/%d-%s", name, time.Now().UnixNano(), suffix)
}

// runningCLI is an uploader started in the background.
type runningCLI struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

// startCLI starts the uploader as u without waiting for it.
func startCLI(t *testing.T, u teststack.User, args ...string) *runningCLI {
	t.Helper()
	return startCLIStdin(t, u, nil, args...)
}

// startCLIStdin is startCLI with stdin read from in (nil: none).
func startCLIStdin(t *testing.T, u teststack.User, in io.Reader, args ...string) *runningCLI {
	t.Helper()
	r := &runningCLI{cmd: exec.Command(binary, args...)}
	r.cmd.Env = append(stack.Env(u), "XDG_STATE_HOME="+stateHome)
	r.cmd.Stdin, r.cmd.Stdout, r.cmd.Stderr = in, &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
	})
	return r
}

// wait waits for the uploader to end and returns how it ended.
func (r *runningCLI) wait(t *testing.T) cliResult {
	t.Helper()
	err := r.cmd.Wait()
	res := cliResult{Stdout: r.stdout.String(), Stderr: r.stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
