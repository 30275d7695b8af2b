package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stop ends the serve process named in DIR/pid: SIGTERM (it stops moto and
// removes its files), then SIGKILL to its process group after 10 s. moto
// dies with serve through Pdeathsig; DIR/moto.pid is the last resort.
func stop(dir string) error {
	pid, ok := runningPID(dir)
	if !ok {
		removeFiles(dir)
		fmt.Println("teststack: not running")
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("signal pid %d: %w", pid, err)
	}
	if !waitGone(pid, "teststack", 10*time.Second) {
		_ = syscall.Kill(-pid, syscall.SIGKILL) // serve leads its own session and group
		if !waitGone(pid, "teststack", 5*time.Second) {
			return fmt.Errorf("pid %d did not stop", pid)
		}
	}
	if mp, ok := readPID(filepath.Join(dir, motoPID)); ok && alive(mp, "moto") {
		_ = syscall.Kill(-mp, syscall.SIGKILL) // moto leads its own group
		waitGone(mp, "moto", 5*time.Second)
	}
	removeFiles(dir)
	fmt.Printf("teststack: stopped (pid %d)\n", pid)
	return nil
}

func removeFiles(dir string) {
	for _, f := range []string{pidFile, motoPID, readyFile} {
		_ = os.Remove(filepath.Join(dir, f))
	}
}

// runningPID reads DIR/pid and reports whether that process is alive and
// still ours (its command line names teststack), guarding against a reused pid.
func runningPID(dir string) (int, bool) {
	pid, ok := readPID(filepath.Join(dir, pidFile))
	if !ok {
		return 0, false
	}
	return pid, alive(pid, "teststack")
}

func readPID(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

// alive reports whether pid runs a command whose command line contains
// want. A zombie counts as gone: it is only waiting for its parent.
func alive(pid int, want string) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(cmdline), want)
}

func waitGone(pid int, want string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !alive(pid, want) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return !alive(pid, want)
}
