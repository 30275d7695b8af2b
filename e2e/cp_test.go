package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// The full user uploads every size around the multipart threshold with
// SSE-KMS; each object is downloaded and compared, and stored with the key.
func TestCpSSEKMSSizes(t *testing.T) {
	sizes := []int64{0, size.KiB, 8*size.MiB - 1, 8 * size.MiB, 8*size.MiB + 1, 37 * size.MiB}
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%d_bytes", sz), func(t *testing.T) {
			src, sum := makeFile(t, sz)
			key := uniqueKey(t, "obj.bin")
			stack.ResetCounts()
			r := runCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight")
			if r.Code != 0 {
				t.Fatalf("cp failed: %s", r)
			}
			got, head := objectSHA256(t, key)
			if got != sum {
				t.Fatalf("stored object SHA-256 %s, source %s", got, sum)
			}
			if string(head.ServerSideEncryption) != "aws:kms" || aws.ToString(head.SSEKMSKeyId) != stack.KeyARN {
				t.Fatalf("stored with %q key %q, want aws:kms with %s", head.ServerSideEncryption, aws.ToString(head.SSEKMSKeyId), stack.KeyARN)
			}
			if aws.ToInt64(head.ContentLength) != sz {
				t.Fatalf("stored %d bytes, want %d", aws.ToInt64(head.ContentLength), sz)
			}
			c := stack.Counts()
			multipart := sz > 8*size.MiB
			if got := c.Requests(stack.Full.Name, "CreateMultipartUpload") > 0; got != multipart {
				t.Fatalf("multipart = %v for %d bytes, want %v", got, sz, multipart)
			}
			if !multipart && c.Requests(stack.Full.Name, "PutObject") != 1 {
				t.Fatalf("want one PutObject for %d bytes, counts: %+v", sz, c)
			}
		})
	}
}

// The seed failure: a user without kms:Decrypt uploads a small file fine
// and fails a big one, with no completed object and no upload left over.
func TestCpNoDecrypt(t *testing.T) {
	small, _ := makeFile(t, 100*size.KiB)
	smallKey := uniqueKey(t, "small")
	if r := runCLI(t, stack.NoDecrypt, "cp", small, target(smallKey), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight"); r.Code != 0 {
		t.Fatalf("100 KiB upload without kms:Decrypt should work (PutObject needs only GenerateDataKey): %s", r)
	}
	big, _ := makeFile(t, 20*size.MiB)
	bigKey := uniqueKey(t, "big")
	r := runCLI(t, stack.NoDecrypt, "cp", big, target(bigKey), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight")
	if r.Code == 0 {
		t.Fatalf("20 MiB upload without kms:Decrypt succeeded: %s", r)
	}
	if objectExists(t, bigKey) {
		t.Fatal("a failed upload left a completed object")
	}
	// A permission failure keeps the upload for a rerun after the fix, and
	// says how to drop it instead; `uploads abort` does.
	if !strings.Contains(r.Stderr, "rerun the same command to resume") || !strings.Contains(r.Stderr, "uploader uploads abort") {
		t.Fatalf("stderr does not say how to resume or abort:\n%s", r.Stderr)
	}
	kept := uploadsFor(t, bigKey)
	if len(kept) != 1 {
		t.Fatalf("%d uploads kept for the key, want 1", len(kept))
	}
	ab := runCLI(t, stack.NoDecrypt, "uploads", "abort", target(bigKey), "--upload-id", kept[0])
	if ab.Code != 0 || len(uploadsFor(t, bigKey)) != 0 {
		t.Fatalf("uploads abort did not remove the upload: %s", ab)
	}
}

// Bad input is refused with exit 2 before any request.
func TestCpBadInput(t *testing.T) {
	src, _ := makeFile(t, size.KiB)
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in the one-line error
	}{
		{"missing source", []string{"cp", dir + "/nope", target("x")}, "does not exist"},
		{"directory source", []string{"cp", dir, target("x")}, "is a directory"},
		{"not an S3 URL", []string{"cp", src, "bucket/key"}, "not an S3 URL"},
		{"part size too small", []string{"cp", src, target("x"), "--part-size", "1MiB"}, "out of range"},
		{"part size unreadable", []string{"cp", src, target("x"), "--part-size", "lots"}, "--part-size"},
		{"bad sse", []string{"cp", src, target("x"), "--sse", "aws:kmz"}, "--sse"},
		{"key without kms", []string{"cp", src, target("x"), "--sse-kms-key-id", "k"}, "needs --sse aws:kms"},
		{"bad context", []string{"cp", src, target("x"), "--sse", "aws:kms", "--sse-kms-context", "{bad"}, "--sse-kms-context"},
		{"bad metadata", []string{"cp", src, target("x"), "--metadata", "novalue"}, "--metadata"},
		{"unknown flag", []string{"cp", src, target("x"), "--frobnicate"}, "unknown flag"},
		{"one argument", []string{"cp", src}, "source and a target"},
		{"zero concurrency", []string{"cp", src, target("x"), "--concurrency", "0"}, "--concurrency"},
		{"download", []string{"cp", target("x"), dir + "/x"}, "downloads and S3-to-S3 copies are not supported"},
		{"S3 to S3", []string{"cp", target("x"), target("y")}, "downloads and S3-to-S3 copies are not supported"},
		{"unknown storage class", []string{"cp", src, target("x"), "--storage-class", "BOGUS"}, `--storage-class "BOGUS" is not an S3 storage class`},
		// 0 is how a user turns the watch or the window off; a negative
		// value is refused, not read as "off".
		{"negative stall timeout", []string{"cp", src, target("x"), "--stall-timeout", "-1s"}, "--stall-timeout cannot be negative"},
		{"negative retry window", []string{"cp", src, target("x"), "--retry-window", "-1s"}, "--retry-window cannot be negative"},
		{"stall timeout unreadable", []string{"cp", src, target("x"), "--stall-timeout", "soon"}, `for "--stall-timeout" flag: "soon" is not a duration`},
		{"retry window unreadable", []string{"cp", src, target("x"), "--retry-window", "soon"}, `for "--retry-window" flag: "soon" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack.ResetCounts()
			r := runCLI(t, stack.Full, tt.args...)
			if r.Code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.Code, r)
			}
			lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Fatalf("want one line containing %q, got: %q", tt.want, r.Stderr)
			}
			if n := totalRequests(stack.Counts()); n != 0 {
				t.Fatalf("%d requests were sent for bad input", n)
			}
		})
	}
}

func totalRequests(c teststack.Counts) int {
	n := 0
	for _, v := range c.Calls {
		n += v.Requests
	}
	return n
}

// uploadsFor lists the ids of the unfinished uploads of key.
func uploadsFor(t *testing.T, key string) []string {
	t.Helper()
	var ids []string
	for _, u := range listUploads(t) {
		if aws.ToString(u.Key) == key {
			ids = append(ids, aws.ToString(u.UploadId))
		}
	}
	return ids
}
