package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/upload"
)

// setFake is an S3 that answers PutObject by the key's name: "slow" waits
// until its request is cancelled, "denied" is refused (403 AccessDenied,
// a permanent failure) once a "slow" one is in flight (the files start in
// any order), anything else is stored.
type setFake struct {
	mu       sync.Mutex
	puts     []string
	slowOnce sync.Once
	slowIn   chan struct{} // closed when a "slow" PutObject is in flight
}

func (f *setFake) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	key := aws.ToString(in.Key)
	f.mu.Lock()
	f.puts = append(f.puts, key)
	f.mu.Unlock()
	f.slowOnce.Do(func() { f.slowIn = make(chan struct{}) })
	switch {
	case strings.Contains(key, "slow"):
		close(f.slowIn)
		<-ctx.Done()
		return nil, ctx.Err()
	case strings.Contains(key, "denied"):
		select {
		case <-f.slowIn:
		case <-time.After(5 * time.Second):
		}
		return nil, sdkError("PutObject", 403, "AccessDenied")
	}
	return &s3.PutObjectOutput{ETag: aws.String(`"e"`)}, nil
}

var errNotInFake = errors.New("not used by these tests")

func (f *setFake) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, errNotInFake
}

func sdkError(op string, status int, code string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code},
		},
	}}
}

func (f *setFake) CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	return nil, errNotInFake
}
func (f *setFake) UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	return nil, errNotInFake
}
func (f *setFake) CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	return nil, errNotInFake
}
func (f *setFake) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return nil, errNotInFake
}
func (f *setFake) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, errNotInFake
}
func (f *setFake) ListParts(context.Context, *s3.ListPartsInput, ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	return nil, errNotInFake
}

var _ upload.Client = (*setFake)(nil)

// A permanent failure stops the set at once: the file in flight beside it
// is cancelled, the files after it never start, and the set exits 3 with
// the diagnosis. Two files at a time: a_slow (in flight until cancelled)
// and b_denied; then c and d wait for a turn that never comes.
func TestSetStopsAtPermanentFailure(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	dir := t.TempDir()
	for _, name := range []string{"a_slow", "b_denied", "c", "d"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, stdout, stderr := newTestSetRun(t, dir, "--concurrency", "2")
	fake := &setFake{}
	err := r.run(fake, fake, upload.Diagnostics{Principal: "arn:aws:iam::111122223333:user/u"})

	if code := exitCode(err); code != ExitDiagnosed {
		t.Fatalf("exit %d, want 3: %v\n%s", code, err, stderr.String())
	}
	status := map[string]string{}
	var summary map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		switch ev["event"] {
		case "result":
			status[ev["source"].(string)] = ev["status"].(string)
		case "summary":
			summary = ev
		}
	}
	if status["a_slow"] != "cancelled" || status["b_denied"] != "failed" || len(status) != 2 {
		t.Errorf("results %v: want a_slow cancelled, b_denied failed, no others", status)
	}
	if summary["files_not_started"] != float64(2) || summary["exit_code"] != float64(3) || summary["diagnosis"] == nil {
		t.Errorf("summary %v", summary)
	}
	for _, k := range fake.puts {
		if strings.HasSuffix(k, "/c") || strings.HasSuffix(k, "/d") {
			t.Errorf("%s was sent after the set stopped", k)
		}
	}
	if !strings.Contains(stderr.String(), "The set stopped at b_denied") {
		t.Errorf("stderr does not say where the set stopped:\n%s", stderr.String())
	}
}

// A root removed between the count and the walk fails the set with its
// summary last (exit 1), not a usage error after JSON was printed.
func TestSetRootGoneEndsWithSummary(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	dir := filepath.Join(t.TempDir(), "tree")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, stdout, stderr := newTestSetRun(t, dir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	fake := &setFake{}
	err := r.run(fake, fake, upload.Diagnostics{})
	if code := exitCode(err); code != ExitFailed {
		t.Fatalf("exit %d, want 1: %v\n%s", code, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last["event"] != "summary" || last["exit_code"] != float64(1) {
		t.Fatalf("last line %q, want the summary with exit_code 1 (%v)", lines[len(lines)-1], err)
	}
}

// newTestSetRun prepares `cp --recursive --json --no-preflight DIR
// s3://bucket/p` with more flags, as cp does, up to the run; stdout and
// stderr are what it prints.
func newTestSetRun(t *testing.T, dir string, flags ...string) (r *setRun, stdout, stderr *bytes.Buffer) {
	t.Helper()
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	g := &globalOptions{stdout: stdout, stderr: stderr}
	cmd, o := cpCommand(g)
	if err := cmd.ParseFlags(append([]string{"--recursive", "--json", "--no-preflight", "--state-dir", t.TempDir()}, flags...)); err != nil {
		t.Fatal(err)
	}
	job, err := o.prepareSet(cmd, g, dir, "s3://bucket/p")
	if err != nil {
		t.Fatal(err)
	}
	intr := newInterrupter(context.Background(), nil)
	t.Cleanup(intr.close)
	r, err = newSetRun(g, o, job, intr)
	if err != nil {
		t.Fatal(err)
	}
	return r, stdout, stderr
}
