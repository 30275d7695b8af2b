package source

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "p")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no mkfifo:", err)
	}
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		path, kind string
		stream     bool
	}{
		{file, "", false},
		{fifo, "named pipe (FIFO)", true},
		{sock, "socket", true},
		{"/dev/null", "character device", true},
		{dir, "directory", false},
	}
	for _, tt := range tests {
		done := make(chan struct{})
		var f *os.File
		var fi os.FileInfo
		go func() { f, fi, err = Open(tt.path); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Open(%s) blocked", tt.path)
		}
		var nr *NotRegularError
		if tt.kind == "" {
			if err != nil || fi.Size() != 4 {
				t.Fatalf("Open(%s): %v", tt.path, err)
			}
			b := make([]byte, 4)
			if _, err := f.ReadAt(b, 0); err != nil || string(b) != "data" {
				t.Fatalf("read %q: %v", b, err)
			}
			f.Close()
			continue
		}
		if !errors.As(err, &nr) || nr.Kind != tt.kind || nr.Stream() != tt.stream {
			t.Errorf("Open(%s): %v (%+v), want a %s", tt.path, err, nr, tt.kind)
		}
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
