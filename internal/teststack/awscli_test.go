package teststack

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The seed failure with the real aws CLI (v1): a user without kms:Decrypt
// uploads 100 KiB (one PutObject) and fails 20 MiB (multipart) on
// UploadPart; the Full user uploads 20 MiB.
func TestAWSCLISeedFailure(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(small, bytes.Repeat([]byte("s"), 100<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, bytes.Repeat([]byte("b"), 20<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	cp := func(u User, file, key string) (string, error) {
		cmd := exec.Command("aws", "s3", "cp", file, "s3://"+stack.Bucket+"/"+key,
			"--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-progress")
		cmd.Env = stack.Env(u)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	if out, err := cp(stack.NoDecrypt, small, "cli/small"); err != nil {
		t.Fatalf("NoDecrypt 100 KiB: %v\n%s", err, out)
	}
	out, err := cp(stack.NoDecrypt, big, "cli/big-denied")
	if err == nil {
		t.Fatalf("NoDecrypt 20 MiB succeeded:\n%s", out)
	}
	t.Logf("NoDecrypt 20 MiB: %s", strings.TrimSpace(out))
	if want := "An error occurred (AccessDenied) when calling the UploadPart operation: Access Denied"; !strings.Contains(out, want) {
		t.Fatalf("NoDecrypt 20 MiB: want %q in:\n%s", want, out)
	}
	if out, err := cp(stack.Full, big, "cli/big"); err != nil {
		t.Fatalf("Full 20 MiB: %v\n%s", err, out)
	}
}
