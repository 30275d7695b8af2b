package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/uploader-dev/uploader/internal/teststack"
)

// Files in the stack directory.
const (
	pidFile   = "pid"        // the serve process, written first
	motoPID   = "moto.pid"   // moto_server, for stop's last resort
	readyFile = "stack.json" // the Stack's public fields, once it is up
	logFile   = "stack.log"  // serve's stdout and stderr
)

// serve runs the stack in the foreground until SIGTERM or SIGINT. It is the
// process start detaches; moto dies with it (Pdeathsig) if it is killed.
func serve(dir string) error {
	if err := writeFile(filepath.Join(dir, pidFile), strconv.Itoa(os.Getpid())+"\n"); err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := teststack.Start(ctx, teststack.Options{Dir: dir})
	if err != nil {
		_ = os.Remove(filepath.Join(dir, pidFile))
		return err
	}
	_ = writeFile(filepath.Join(dir, motoPID), strconv.Itoa(s.MotoPID())+"\n")
	b, err := json.MarshalIndent(s, "", "  ")
	if err == nil {
		err = writeFile(filepath.Join(dir, readyFile), string(b))
	}
	if err != nil {
		_ = s.Stop()
		return err
	}
	fmt.Printf("teststack: serving, gate %s, moto %s\n", s.Endpoint, s.MotoEndpoint)
	sig := <-sigs
	fmt.Printf("teststack: %v: stopping\n", sig)
	err = s.Stop()
	for _, f := range []string{readyFile, motoPID, pidFile} {
		_ = os.Remove(filepath.Join(dir, f))
	}
	return err
}

// writeFile writes atomically, so start never reads half a file.
func writeFile(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
