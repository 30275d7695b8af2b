package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// Integrity tests run against versitygw (TLS), which computes checksums
// (moto's are not real): the object checksum the uploader reports as
// verified is the file's, and a resumed upload re-sends a part whose local
// bytes no longer match what the server has. versitygw has no KMS: no SSE.

// cp --json of 30 MiB (4 parts) with each algorithm: the result is verified
// and its checksum is the file's (FULL_OBJECT: the CRC of all the bytes;
// COMPOSITE: the checksum of the part checksums, "-4").
func TestIntegrityVersityChecksums(t *testing.T) {
	v := startVersityGW(t)
	const total = 30 * size.MiB
	src, sum := makeFile(t, total)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		alg      checksum.Algorithm
		flag     []string
		wantType string // "" = either, checked against the value
	}{
		{checksum.CRC64NVME, nil, "FULL_OBJECT"}, // the default
		{checksum.CRC32C, []string{"--checksum-algorithm", "CRC32C"}, ""},
		{checksum.SHA256, []string{"--checksum-algorithm", "SHA256"}, "COMPOSITE"},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			key := uniqueKey(t, "obj.bin")
			args := append([]string{"cp", src, versityTarget(v, key), "--no-preflight", "--no-progress", "--json", "--part-size", "8MiB"}, tt.flag...)
			r := runIn(t, versityEnv(v), args...)
			if r.Code != 0 {
				t.Fatalf("exit %d, want 0: %s", r.Code, r)
			}
			res := resultLine(t, r)
			typ, _ := res["checksum_type"].(string)
			if tt.wantType != "" && typ != tt.wantType {
				t.Errorf("checksum_type %q, want %q", typ, tt.wantType)
			}
			want := fileChecksum(t, tt.alg, typ, data, e2ePartSize)
			t.Logf("result: %v %v %v, verified %v; file's: %s", res["checksum_algorithm"], typ, res["checksum"], res["checksum_verified"], want)
			if res["checksum_verified"] != true || res["checksum"] != want || res["checksum_algorithm"] != string(tt.alg) {
				t.Errorf("result %s %v (%v, verified %v), want %s %s verified", res["checksum_algorithm"], res["checksum"], typ, res["checksum_verified"], tt.alg, want)
			}
			if got := versitySHA256(t, v, key); got != sum {
				t.Errorf("object SHA-256 %s, source %s", got, sum)
			}
		})
	}
}

// Reconciliation: an upload killed after two parts; then part 1's bytes
// change in place (same length, mtime restored, so the journal still
// matches the file). The rerun checks each journaled part's checksum
// against the server's, re-sends part 1 (and says so), keeps the others,
// and stores the modified file, verified.
func TestIntegrityVersityReconcile(t *testing.T) {
	v := startVersityGW(t)
	env := versityEnv(v)
	const total = 30 * size.MiB
	src, _ := makeFile(t, total)
	key := uniqueKey(t, "obj.bin")
	// 8 MiB/s, one part at a time: a part every second or so.
	run := startIn(t, env, "cp", src, versityTarget(v, key), "--no-preflight", "--no-progress", "--part-size", "8MiB", "--concurrency", "1", "--max-bandwidth", "8MiB/s")
	waitFor(t, time.Minute, "two journaled parts", func() bool {
		rec := journalFor(t, key)
		return rec != nil && len(rec.Parts) >= 2
	})
	killHard(t, run)
	rec := journalFor(t, key)
	if rec == nil || rec.Parts[1].Size != e2ePartSize {
		t.Fatalf("journal after the kill: %+v, want part 1 in it", rec)
	}
	kept := rec.Bytes() - rec.Parts[1].Size

	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	patch := make([]byte, e2ePartSize)
	if _, err := rand.Read(patch); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(src, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(patch, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(src, time.Now(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])

	r := runIn(t, env, "cp", src, versityTarget(v, key), "--no-preflight", "--no-progress", "--part-size", "8MiB", "--json")
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d, want 0: %s", r.Code, r)
	}
	if !strings.Contains(r.Stderr, "part 1 on S3 differs from the source's bytes: sending it again") {
		t.Errorf("rerun does not say part 1 is sent again:\n%s", r.Stderr)
	}
	if !strings.Contains(r.Stderr, "resuming upload "+rec.UploadID) {
		t.Errorf("rerun does not resume upload %s:\n%s", rec.UploadID, r.Stderr)
	}
	res := resultLine(t, r)
	t.Logf("rerun notes: %v; resumed %v bytes", res["notes"], res["resumed_bytes"])
	if got, _ := res["resumed_bytes"].(float64); int64(got) != kept {
		t.Errorf("resumed_bytes %v, want %d (the journaled parts but part 1)", res["resumed_bytes"], kept)
	}
	want := fileChecksum(t, checksum.CRC64NVME, "FULL_OBJECT", data, e2ePartSize)
	if res["checksum_verified"] != true || res["checksum"] != want {
		t.Errorf("result checksum %v verified %v, want %s verified", res["checksum"], res["checksum_verified"], want)
	}
	if got := versitySHA256(t, v, key); got != sum {
		t.Errorf("object SHA-256 %s, modified source %s", got, sum)
	}
	if rec := journalFor(t, key); rec != nil {
		t.Errorf("journal %s left after the upload completed", rec.Path)
	}
}

// Helpers for runs against versitygw (also used by uploads_test.go).

// startVersityGW starts a versitygw with TLS for one test, stopped in
// t.Cleanup. It skips only outside CI when versitygw cannot be installed.
func startVersityGW(t *testing.T) *teststack.Versity {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a first install builds it
	defer cancel()
	v, err := teststack.StartVersity(ctx, teststack.VersityOptions{TLS: true})
	if errors.Is(err, teststack.ErrVersityNotInstalled) && os.Getenv("CI") == "" {
		t.Skip("versitygw unavailable (CI unset, so skipping):", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Stop(); err != nil {
			t.Error("stopping versitygw:", err)
		}
	})
	return v
}

// versityEnv is the uploader's environment against v, journals in the
// run's state folder.
func versityEnv(v *teststack.Versity) []string {
	return append(v.Env(), "XDG_STATE_HOME="+stateHome)
}

func versityTarget(v *teststack.Versity, key string) string {
	return "s3://" + v.Bucket + "/" + key
}

// versityS3 is an S3 client of v's root user.
func versityS3(v *teststack.Versity) *s3.Client {
	return s3.NewFromConfig(v.Config(), func(o *s3.Options) { o.UsePathStyle = true })
}

// versitySHA256 downloads an object from v (response checksums validated:
// versitygw's are real) and hashes it.
func versitySHA256(t *testing.T, v *teststack.Versity, key string) string {
	t.Helper()
	out, err := versityS3(v).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(v.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		t.Fatalf("downloading %s: %v", key, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileChecksum is the object checksum S3 gives data uploaded in parts of
// partSize: FULL_OBJECT is the checksum of all the bytes, COMPOSITE the
// checksum of the parts' raw checksums with "-N".
func fileChecksum(t *testing.T, alg checksum.Algorithm, typ string, data []byte, partSize int64) string {
	t.Helper()
	if typ == "FULL_OBJECT" {
		s, err := checksum.Sum(alg, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return checksum.Encode(s)
	}
	var parts []checksum.Part
	for off := int64(0); off < int64(len(data)); off += partSize {
		p := data[off:min(off+partSize, int64(len(data)))]
		s, err := checksum.Sum(alg, bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, checksum.Part{Sum: s, Size: int64(len(p))})
	}
	return checksum.Composite(alg, parts)
}

// runIn runs the uploader with exactly env (no stack user).
func runIn(t *testing.T, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := &runningCLI{cmd: exec.CommandContext(ctx, binary, args...)}
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r.wait(t)
}

// startIn starts the uploader with exactly env without waiting for it;
// t.Cleanup kills it (by its pid) if the test did not wait.
func startIn(t *testing.T, env []string, args ...string) *runningCLI {
	t.Helper()
	r := &runningCLI{cmd: exec.Command(binary, args...)}
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Signal(syscall.SIGKILL)
			_ = r.cmd.Wait()
		}
	})
	return r
}
