package teststack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// stack is shared by the package's tests: one moto per package.
var stack *Stack

func TestMain(m *testing.M) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "teststack:", err)
		if errors.Is(err, ErrMotoNotFound) && os.Getenv("CI") == "" {
			os.Exit(0)
		}
		os.Exit(1)
	}
	stack = s
	code := m.Run()
	if err := stack.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "teststack: stop:", err)
	}
	os.Exit(code)
}

// A second stack, stopped: its moto is gone, by pid, and Stop is idempotent.
func TestStopLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second moto")
	}
	dir := t.TempDir()
	s, err := Start(context.Background(), Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pid := s.MotoPID()
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("moto pid %d not running: %v", pid, err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("moto pid %d still there after Stop: %v", pid, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "moto.log")); err != nil {
		t.Errorf("a given Dir keeps its logs: %v", err)
	}
}

func TestMotoMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Start(context.Background(), Options{})
	if !errors.Is(err, ErrMotoNotFound) {
		t.Fatalf("want ErrMotoNotFound, got %v", err)
	}
}

// A moto that dies at once fails Start quickly, with its log in the error.
func TestMotoExitsEarly(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\necho 'ImportError: no module named werkzeug' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "moto_server"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	_, err := Start(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), "no module named werkzeug") {
		t.Fatalf("want the log tail in the error, got %v", err)
	}
}
