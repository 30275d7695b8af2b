package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

// One Uploader serves objects with different plans: Input.PartSize and
// Input.ExpectedSize override the Uploader's, and Result.Parts says how
// many parts each stored object has (a stream's too; 0 for PutObject).
func TestPerInputPlanAndResultParts(t *testing.T) {
	f := newFake()
	u := New(f, Options{Concurrency: 2})
	data := randomBytes(20 * size.MiB)
	tests := []struct {
		name      string
		in        Input
		partSize  int64
		parts     int
		multipart bool
	}{
		{"the Uploader's part size", Input{Key: "a", Body: bytes.NewReader(data), Size: int64(len(data))}, 8 * size.MiB, 3, true},
		{"the input's part size", Input{Key: "b", Body: bytes.NewReader(data), Size: int64(len(data)), PartSize: 16 * size.MiB}, 16 * size.MiB, 2, true},
		{"a stream sized by its expected size", Input{Key: "c", Body: io.NopCloser(bytes.NewReader(data)), Size: -1, ExpectedSize: 10 * size.MiB}, 5 * size.MiB, 4, true},
		{"a stream with the default part size", Input{Key: "d", Body: io.NopCloser(bytes.NewReader(data)), Size: -1}, 16 * size.MiB, 2, true},
		{"a single PutObject has no parts", Input{Key: "e", Body: bytes.NewReader(data[:1000]), Size: 1000}, 0, 0, false},
		{"a short stream goes as one PutObject", Input{Key: "f", Body: io.NopCloser(bytes.NewReader(data[:1000])), Size: -1}, 16 * size.MiB, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Bucket = "bucket"
			res, err := u.Upload(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Parts != tt.parts || (res.UploadID != "") != tt.multipart {
				t.Errorf("Parts = %d, upload id %q; want %d parts, multipart %v", res.Parts, res.UploadID, tt.parts, tt.multipart)
			}
			if tt.multipart && res.Plan.PartSize != tt.partSize {
				t.Errorf("part size %s, want %s", size.Format(res.Plan.PartSize), size.Format(tt.partSize))
			}
			want := data
			if !tt.multipart {
				want = data[:1000]
			}
			if !bytes.Equal(f.objects[tt.in.Key], want) {
				t.Error("stored object differs from the source")
			}
		})
	}
}

// failingReader gives n bytes, then err.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	m := min(len(p), r.n)
	clear(p[:m])
	r.n -= m
	return m, nil
}

// A stream's reader error other than io.EOF fails the upload, whether it
// comes within the first part (nothing is sent) or after parts were sent
// (the upload is aborted): nothing is stored. An error that wraps
// io.ErrUnexpectedEOF (a truncated archive) is a failure too, not the end.
func TestStreamReaderErrorFailsTheUpload(t *testing.T) {
	producer := errors.New("producer failed")
	for _, tt := range []struct {
		name    string
		n       int
		err     error
		aborted bool
	}{
		{"within the first part", 1000, producer, false},
		{"after two parts", 12 << 20, producer, true},
		{"a wrapped unexpected EOF", 12 << 20, fmt.Errorf("gzip: %w", io.ErrUnexpectedEOF), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			in := Input{Bucket: "bucket", Key: "k", Body: &failingReader{n: tt.n, err: tt.err}, Size: -1, PartSize: 5 * size.MiB}
			_, err := New(f, Options{Concurrency: 2}).Upload(context.Background(), in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want the reader's error", err)
			}
			if len(f.objects) != 0 {
				t.Errorf("an object was stored: %v", f.callList())
			}
			calls := strings.Join(f.callList(), " ")
			if strings.Contains(calls, "PutObject") || strings.Contains(calls, "Complete") || tt.aborted != f.aborted {
				t.Errorf("calls %s (aborted %v, want %v)", calls, f.aborted, tt.aborted)
			}
		})
	}
}

// A command that fails after writing (tar of a missing directory) fails
// the upload through CommandOutput: nothing is stored, and the error names
// the exit status and what the command said on stderr.
func TestCommandOutputFailure(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	for _, tt := range []struct{ name, script string }{
		{"short output", "echo partial; echo 'no such directory' >&2; exit 3"},
		{"after parts", "head -c 12582912 /dev/zero; echo 'no such directory' >&2; exit 3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			body, err := CommandOutput(exec.Command("sh", "-c", tt.script))
			if err != nil {
				t.Fatal(err)
			}
			_, err = New(f, Options{Concurrency: 2, PartSize: 5 * size.MiB}).Upload(context.Background(), Input{Bucket: "bucket", Key: "k", Body: body, Size: -1})
			if cerr := body.Close(); cerr == nil {
				t.Error("Close of a failed command returned nil")
			}
			var ce *CommandError
			var ee *exec.ExitError
			if !errors.As(err, &ce) || !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("err = %v, want a *CommandError with exit status 3", err)
			}
			if !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "no such directory") {
				t.Errorf("error does not name the exit status and stderr: %v", err)
			}
			if len(f.objects) != 0 {
				t.Errorf("an object was stored: %v", f.callList())
			}
		})
	}
}

// A command that succeeds is uploaded whole; one whose output is not read
// to the end (the upload failed first) is killed by Close.
func TestCommandOutputSuccessAndClose(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	f := newFake()
	body, err := CommandOutput(exec.Command("sh", "-c", "echo hello"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := New(f, Options{}).Upload(context.Background(), Input{Bucket: "bucket", Key: "k", Body: body, Size: -1})
	if err != nil || body.Close() != nil {
		t.Fatalf("upload: %v", err)
	}
	if string(f.objects["k"]) != "hello\n" || res.Size != 6 {
		t.Fatalf("stored %q (%d bytes)", f.objects["k"], res.Size)
	}

	endless, err := CommandOutput(exec.Command("sh", "-c", "while :; do echo y; done"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := endless.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := endless.Close(); err != nil {
		t.Fatalf("Close of a command still running: %v", err)
	}
}

// FileChecksum gives the checksum the upload of the file reports: the
// full-object CRC whatever the parts, a SHA's composite "-N" for a
// multipart plan and its plain sum for a single request.
func TestFileChecksumMatchesTheUpload(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		alg  ChecksumAlgorithm
		size int64
	}{
		{CRC64NVME, 12 * size.MiB}, {CRC32C, 11 * size.MiB}, {SHA256, 12 * size.MiB},
		{SHA1, 12 * size.MiB}, {SHA256, 1000}, {CRC32, 0},
	} {
		t.Run(fmt.Sprintf("%s %d", tt.alg, tt.size), func(t *testing.T) {
			path := filepath.Join(dir, "f")
			if err := os.WriteFile(path, randomBytes(tt.size), 0o600); err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			u := New(newFake(), Options{Checksum: tt.alg, PartSize: 5 * size.MiB})
			res, err := u.Upload(context.Background(), Input{Bucket: "b", Key: "k", Body: fh, Size: tt.size})
			if err != nil {
				t.Fatal(err)
			}
			plan, _ := u.Plan(tt.size)
			got, err := FileChecksum(context.Background(), path, tt.alg, plan)
			if err != nil {
				t.Fatal(err)
			}
			if got != res.Checksum || got == "" {
				t.Fatalf("FileChecksum = %q, the upload's = %q", got, res.Checksum)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FileChecksum(ctx, filepath.Join(dir, "f"), CRC64NVME, Plan{}); !errors.Is(err, context.Canceled) { // the last file is empty
		t.Errorf("cancelled: %v", err)
	}
}
