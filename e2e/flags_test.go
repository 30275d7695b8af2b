package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// Flags and paths the other end-to-end tests do not run.

// --abort-on-failure: a transient failure after the retries is exit 4 and
// the upload is aborted, its journal removed.
func TestFlagAbortOnFailure(t *testing.T) {
	src, _ := makeFile(t, 12*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	stack.SetFaults(teststack.Faults{ErrorRate: 1, Seed: 1})
	defer stack.SetFaults(teststack.Faults{})
	r := runCLI(t, stack.Full, kmsCp(src, key, "--part-size", "5MiB", "--retries", "0", "--abort-on-failure")...)
	if r.Code != 4 || !strings.Contains(r.Stderr, "aborted (--abort-on-failure)") {
		t.Fatalf("want exit 4 and the upload aborted: %s", r)
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("upload %v left behind", ids)
	}
	if rec := journalFor(t, key); rec != nil {
		t.Fatalf("journal %s left for an aborted upload", rec.Path)
	}
}

// stdin cannot resume: a transient failure is still exit 4 (the contract),
// and the upload is aborted.
func TestFlagStdinTransientFailure(t *testing.T) {
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	stack.SetFaults(teststack.Faults{ErrorRate: 1, Seed: 1})
	defer stack.SetFaults(teststack.Faults{})
	cmd := exec.Command(binary, "cp", "-", target(key), "--no-preflight", "--part-size", "5MiB", "--retries", "0")
	cmd.Env = append(stack.Env(stack.Full), "XDG_STATE_HOME="+stateHome)
	cmd.Stdin = bytes.NewReader(make([]byte, 12*size.MiB))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var code int
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 4 || !strings.Contains(stderr.String(), "stdin cannot be resumed") {
		t.Fatalf("exit %d (%v), want 4 with the upload aborted:\n%s", code, err, stderr.String())
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("upload %v left behind", ids)
	}
}

// --state-dir: the journal goes there, and a rerun with it resumes.
func TestFlagStateDir(t *testing.T) {
	src, sum := makeFile(t, 12*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	dir := t.TempDir()
	stack.SetFaults(teststack.Faults{ErrorRate: 1, Seed: 1})
	r := runCLI(t, stack.Full, kmsCp(src, key, "--part-size", "5MiB", "--retries", "0", "--state-dir", dir)...)
	stack.SetFaults(teststack.Faults{})
	if r.Code != 4 {
		t.Fatalf("want exit 4: %s", r)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.journal")); len(m) != 1 {
		t.Fatalf("journals in --state-dir: %v", m)
	}
	if rec := journalFor(t, key); rec != nil {
		t.Fatal("the journal went to the default state folder too")
	}
	r = runCLI(t, stack.Full, kmsCp(src, key, "--part-size", "5MiB", "--state-dir", dir)...)
	if r.Code != 0 || !strings.Contains(r.Stderr, "resuming upload") {
		t.Fatalf("rerun with --state-dir did not resume: %s", r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatal("stored object differs from the source")
	}
}

// --expected-size picks a stream part size that fits 10,000 parts.
func TestFlagExpectedSize(t *testing.T) {
	r := runCLI(t, stack.Full, "cp", "-", target(uniqueKey(t, "obj")), "--expected-size", "200GiB", "--dryrun", "--json")
	var plan struct {
		PartSize int64 `json:"part_size"`
		Size     int64 `json:"size"`
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &plan) != nil {
		t.Fatalf("dryrun: %s", r)
	}
	if plan.Size != -1 || plan.PartSize != 21*size.MiB {
		t.Fatalf("plan %+v: want a stream in 21 MiB parts (200 GiB / 10,000, whole MiB)", plan)
	}
	if r := runCLI(t, stack.Full, "cp", "-", target("x"), "--expected-size", "lots"); r.Code != 2 {
		t.Fatalf("a bad --expected-size: %s", r)
	}
}

// when_required sends no checksums, and says the object is unverified,
// from the flag or the SDK's environment variable.
func TestFlagChecksumWhenRequired(t *testing.T) {
	src, sum := makeFile(t, 12*size.MiB)
	for name, env := range map[string][]string{
		"flag": nil,
		"env":  {"AWS_REQUEST_CHECKSUM_CALCULATION=when_required"},
	} {
		t.Run(name, func(t *testing.T) {
			key := uniqueKey(t, "obj")
			cleanupKey(t, key)
			args := kmsCp(src, key, "--json")
			if env == nil {
				args = append(args, "--checksum-calculation", "when_required")
			}
			r := runCLIEnv(t, stack.Full, env, args...)
			res := resultLine(t, r)
			if r.Code != 0 || res["checksum_verified"] != false || res["checksum_algorithm"] != nil {
				t.Fatalf("want an unverified upload without checksums: %s", r)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Fatal("stored object differs from the source")
			}
		})
	}
}

// --bucket-key-enabled and --sse-kms-context reach S3 (the gate uses them
// for the KMS encryption context) and the upload completes.
func TestFlagBucketKeyAndContext(t *testing.T) {
	src, sum := makeFile(t, 12*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	r := runCLI(t, stack.Full, kmsCp(src, key, "--bucket-key-enabled", "--sse-kms-context", `{"project":"backup"}`, "--acl", "bucket-owner-full-control")...)
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r)
	}
	got, head := objectSHA256(t, key)
	if got != sum {
		t.Fatal("stored object differs from the source")
	}
	if head.BucketKeyEnabled != nil && !aws.ToBool(head.BucketKeyEnabled) {
		t.Fatal("the object is stored without the bucket key asked for")
	}
}

// preflight --no-canary asks S3 nothing that writes: the canary is SKIP.
func TestPreflightNoCanary(t *testing.T) {
	stack.ResetCounts()
	r, doc := preflight(t, stack.Full, "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-canary")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r)
	}
	for _, c := range doc.Checks {
		if c.Name == "canary" && c.Status != "SKIP" {
			t.Fatalf("canary %s with --no-canary", c.Status)
		}
	}
	if n := stack.Counts().Op("CreateMultipartUpload"); n != 0 {
		t.Fatalf("%d CreateMultipartUpload with --no-canary", n)
	}
}

func TestVersion(t *testing.T) {
	r := runCLI(t, stack.Full, "version")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "uploader ") || !strings.Contains(r.Stdout, "aws-sdk-go-v2/service/s3 v") {
		t.Fatalf("version: %s", r)
	}
	// --version says the same.
	if f := runCLI(t, stack.Full, "--version"); f.Code != 0 || f.Stdout != r.Stdout {
		t.Fatalf("--version: %s\nwant the output of version: %q", f, r.Stdout)
	}
}
