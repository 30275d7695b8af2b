package journal

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The lock tests need a second process: the test binary re-executes itself
// with helperEnv set, takes the lock and holds it until its stdin closes.
const helperEnv = "JOURNAL_TEST_LOCK_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(lockHelper(dir))
	}
	os.Exit(m.Run())
}

func lockHelper(dir string) int {
	s, err := Open(dir)
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	j, err := s.Lock(testID)
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	if err := j.Close(); err != nil {
		return 2
	}
	return 0
}

// helper is a second process holding the lock on testID in dir.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startHelper(t *testing.T, dir string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			h.cmd.Process.Kill()
			h.cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	return h
}

var testID = Identity{Source: "/data/big.bin", Bucket: "bucket", Key: "dir/big.bin"}

var testSettings = Settings{
	Size:     5*8<<20 + 123,
	ModTime:  time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC),
	PartSize: 8 << 20,
	SSE:      "aws:kms;key=arn:aws:kms:eu-west-1:111122223333:key/abcd;bucket-key=true",
	Checksum: "CRC64NVME/FULL_OBJECT",
}

func testRecord() Record {
	return Record{
		Identity: testID,
		Settings: testSettings,
		UploadID: "upload-Ab.c_d-1",
		Created:  time.Date(2025, 3, 4, 6, 0, 0, 42, time.UTC),
	}
}

func testPart(n int32) Part {
	return Part{Number: n, Size: 8 << 20, ETag: fmt.Sprintf(`"etag-%d"`, n), Checksum: fmt.Sprintf("Y2hlY2tzdW0t%03d=", n)}
}

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state", "uploader"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func lock(t *testing.T, s *Store, id Identity) *Journal {
	t.Helper()
	j, err := s.Lock(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// writeJournal begins a journal for testID with parts 1..n and returns its bytes.
func writeJournal(t *testing.T, s *Store, n int32) []byte {
	t.Helper()
	j := lock(t, s, testID)
	if err := j.Begin(testRecord()); err != nil {
		t.Fatal(err)
	}
	for i := int32(1); i <= n; i++ {
		if err := j.AddPart(testPart(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustCorrupt(t *testing.T, err error) *CorruptError {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("want *CorruptError, got %v", err)
	}
	return ce
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
