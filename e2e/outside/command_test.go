package outside

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/upload"
)

// A stream from a command that fails stores nothing: `tar` of a missing
// directory (a few bytes, then exit 2), and a producer that fails after
// whole parts were sent (the multipart upload is aborted). The error names
// the exit status. A tar that succeeds is stored, with its part count.
func TestCommandOutput(t *testing.T) {
	needStack(t)
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("no tar")
	}
	u := upload.New(s3Client(stack.Full), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2})
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tt := range []struct {
		name   string
		cmd    *exec.Cmd
		status int
	}{
		{"tar of a missing directory", exec.Command("tar", "-c", "-f", "-", missing), 2},
		{"a producer failing after parts", exec.Command("sh", "-c", "head -c 12582912 /dev/zero; echo 'disk gone' >&2; exit 3"), 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := testKey(t, "stream.tar")
			body, err := upload.CommandOutput(tt.cmd)
			if err != nil {
				t.Fatal(err)
			}
			defer body.Close()
			_, err = u.Upload(testCtx(t), upload.Input{Bucket: stack.Bucket, Key: key, Body: body, Size: -1, SSE: kmsSSE()})
			var exit *exec.ExitError
			var ce *upload.CommandError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.status || !errors.As(err, &ce) || !strings.Contains(err.Error(), "exit status") {
				t.Fatalf("err = %v, want the command's exit status %d", err, tt.status)
			}
			if objectExists(t, key) {
				t.Error("an object was stored from a command that failed")
			}
			if ups := pendingUploads(t, key); len(ups) != 0 {
				t.Errorf("%d multipart upload(s) left behind", len(ups))
			}
		})
	}
	t.Run("tar of a directory", func(t *testing.T) {
		dir := t.TempDir()
		makeFile(t, dir, "a.bin", 6<<20)
		makeFile(t, dir, "b.bin", 6<<20)
		if err := os.WriteFile(filepath.Join(dir, "note.txt"), []byte("hello"), 0o600); err != nil {
			t.Fatal(err)
		}
		key := testKey(t, "dir.tar")
		body, err := upload.CommandOutput(exec.Command("tar", "-c", "-f", "-", "-C", dir, "."))
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		res, err := u.Upload(testCtx(t), upload.Input{Bucket: stack.Bucket, Key: key, Body: body, Size: -1, SSE: kmsSSE(), ExpectedSize: 13 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := getObject(t, key); got.Size != res.Size || res.Size < 12<<20 || res.Parts != 3 || res.Plan.PartSize != partSize {
			t.Errorf("stored %d bytes; Result %d bytes, %d parts of %d", got.Size, res.Size, res.Parts, res.Plan.PartSize)
		}
	})
}
