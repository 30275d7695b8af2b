package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

// `head -c 300M /dev/urandom | tee >(sha256sum) | uploader cp - s3://...`,
// in Go: a seeded stream piped into the binary's stdin while hashed. The
// object must hold the exact bytes, and the process's peak RSS must stay
// under (concurrency + 1) x part size + 64 MiB, the bound --help states
// plus room for the runtime (a regression guard; the benchmark's target is
// tighter).
func TestStdinStream300MiB(t *testing.T) {
	const total = 300 * size.MiB
	const limit = (upload.DefaultConcurrency+1)*upload.DefaultStreamPartSize + 64*size.MiB // 240 MiB
	key := uniqueKey(t, "stream.bin")
	defer abortUploadsOf(t, key)
	t.Cleanup(func() { deleteObject(t, key) })

	args := []string{"cp", "-", target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json", "--no-progress"}
	timeOut := filepath.Join(t.TempDir(), "time.txt")
	timeBin, haveTime := "/usr/bin/time", true
	if _, err := os.Stat(timeBin); err != nil {
		haveTime = false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	if haveTime {
		cmd = exec.CommandContext(ctx, timeBin, append([]string{"-v", "-o", timeOut, plainBinary(t)}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, plainBinary(t), args...)
	}
	cmd.Env = append(stack.Env(stack.Full), "XDG_STATE_HOME="+stateHome)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	type fed struct {
		sum string
		err error
	}
	done := make(chan fed, 1)
	start := time.Now()
	go func() {
		h := sha256.New()
		_, err := io.CopyBuffer(io.MultiWriter(stdin, h), newSeededStream(42, total, nil), make([]byte, 256*size.KiB))
		if cerr := stdin.Close(); err == nil {
			err = cerr
		}
		done <- fed{hex.EncodeToString(h.Sum(nil)), err}
	}()
	werr := cmd.Wait()
	elapsed := time.Since(start)
	in := <-done
	r := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		r.Code = ee.ExitCode()
	} else if werr != nil {
		t.Fatal(werr)
	}
	if r.Code != 0 {
		t.Fatalf("cp - failed: %s", r)
	}
	if in.err != nil {
		t.Fatalf("feeding stdin: %v", in.err)
	}

	evs := validateEvents(t, r)
	st := evs.one(t, "start")
	if st.int("size") != -1 || st.str("source") != "-" || st.int("part_size") != upload.DefaultStreamPartSize || st.int("concurrency") != upload.DefaultConcurrency {
		t.Errorf("start line %s: want size -1, source -, parts of 16 MiB, concurrency 10", st.Line)
	}
	if res := evs.result(); res.int("bytes") != total {
		t.Errorf("result bytes %d, want %d", res.int("bytes"), total)
	}

	got, head := objectSHA256(t, key)
	if got != in.sum {
		t.Fatalf("stored object SHA-256 %s, the stream's %s", got, in.sum)
	}
	if aws.ToInt64(head.ContentLength) != total || string(head.ServerSideEncryption) != "aws:kms" || aws.ToString(head.SSEKMSKeyId) != stack.KeyARN {
		t.Fatalf("stored %d bytes with %q key %q", aws.ToInt64(head.ContentLength), head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId))
	}

	var rssKiB int64
	if haveTime {
		out, err := os.ReadFile(timeOut)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("no peak RSS in /usr/bin/time -v output:\n%s", out)
		}
		rssKiB, _ = strconv.ParseInt(string(m[1]), 10, 64)
	} else {
		rssKiB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	}
	t.Logf("300 MiB from stdin in %s; peak RSS %s (limit %s)", elapsed.Round(time.Millisecond), size.Format(rssKiB*size.KiB), size.Format(limit))
	if rssKiB*size.KiB >= limit {
		t.Fatalf("peak RSS %s, want under (10 + 1) x 16 MiB + 64 MiB = %s", size.Format(rssKiB*size.KiB), size.Format(limit))
	}
}

// deleteObject removes key as Admin (big test objects cost the stack's
// memory and disk); a missing key is fine.
func deleteObject(t *testing.T, key string) {
	t.Helper()
	if _, err := adminS3(t).DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)}); err != nil {
		t.Logf("deleting %s: %v", key, err)
	}
}

// A stream shorter than one part goes as one PutObject, and --json still
// says so with a start event (multipart false, the stream's size), as the
// docs promise, before the result.
func TestStdinShortStreamStartEvent(t *testing.T) {
	data := bytes.Repeat([]byte("short stream "), 80*1024) // about 1 MiB
	key := uniqueKey(t, "short.bin")
	t.Cleanup(func() { deleteObject(t, key) })
	cmd := exec.Command(binary, "cp", "-", target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json", "--no-preflight")
	cmd.Env = append(stack.Env(stack.Full), "XDG_STATE_HOME="+stateHome)
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if err != nil {
		t.Fatalf("cp - failed: %v\n%s", err, r)
	}
	evs := validateEvents(t, r)
	st := evs.one(t, "start")
	if st.boolean("multipart") || st.int("size") != int64(len(data)) {
		t.Fatalf("start %s: want a single request of %d bytes", st.Line, len(data))
	}
	if res := evs.result(); res.str("status") != "ok" || res.int("bytes") != int64(len(data)) {
		t.Fatalf("result %s", res.Line)
	}
	sum := sha256.Sum256(data)
	if got, _ := objectSHA256(t, key); got != hex.EncodeToString(sum[:]) {
		t.Fatal("stored object differs from the stream")
	}
}
