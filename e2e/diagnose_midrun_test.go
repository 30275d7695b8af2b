package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// The admin disables the key after the first part is acknowledged: the
// next part fails with KMS.DisabledException, diagnosed as kms_key_disabled.
func TestDiagnoseKeyDisabledMidUpload(t *testing.T) {
	ctx := context.Background()
	key, err := stack.NewKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := makeFile(t, 40*size.MiB)
	stack.ResetCounts()
	// Slow parts, one at a time, so the key is disabled mid-upload.
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, "cp", src, target(uniqueKey(t, "obj")), "--sse", "aws:kms", "--sse-kms-key-id", key, "--no-preflight", "--json", "--concurrency", "1")
	waitFor(t, time.Minute, "the first part to be acknowledged", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 1
	})
	if err := stack.DisableKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.Code, r)
	}
	d := diagnosisOf(t, resultLine(t, r))
	if d["code"] != "kms_key_disabled" || d["key"] != key {
		t.Fatalf("diagnosis %v, want kms_key_disabled for %s", d, key)
	}
	if !strings.Contains(r.Stderr, "disabled") {
		t.Errorf("stderr does not say the key is disabled:\n%s", r.Stderr)
	}
}

// SlowDown on a fifth of the parts is transient: retried, and the upload
// completes with the right bytes.
func TestSlowDownIsRetried(t *testing.T) {
	src, sum := makeFile(t, 80*size.MiB)
	key := uniqueKey(t, "obj")
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{SlowDownRate: 0.2, Seed: 1})
	defer stack.SetFaults(teststack.Faults{})
	r := runCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--part-size", "5MiB")
	if r.Code != 0 {
		t.Fatalf("exit %d, want 0: %s", r.Code, r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatal("stored object differs from the source")
	}
	if stack.Counts().Status(stack.Full.Name, "UploadPart", 503) == 0 {
		t.Fatal("the gate answered no SlowDown: the test tested nothing")
	}
}

// --debug logs request and response lines without secrets.
func TestDebugRedacts(t *testing.T) {
	src, _ := makeFile(t, 9*size.MiB)
	r := runCLI(t, stack.Full, "cp", src, target(uniqueKey(t, "obj")), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--debug")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "UploadPart") && !strings.Contains(r.Stderr, "partNumber=") {
		t.Fatalf("--debug logged no part request:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, stack.Full.SecretAccessKey) || strings.Contains(r.Stderr, stack.Full.AccessKeyID) {
		t.Fatal("--debug output contains credentials")
	}
}
