//go:build linux

// Command rusage runs one command and writes the command's own wall time,
// user and system CPU and peak RSS to file descriptor 3, as
// "WALL_NS USER_NS SYS_NS MAXRSS_KIB". The benchmark measures every tool
// through it.
//
// Why not wait4 in the runner itself: Go starts a child with
// clone(CLONE_VM|CLONE_VFORK), and at execve Linux folds the high-water
// RSS of the memory the child shared until then (the parent's) into the
// child's ru_maxrss. A child of the runner therefore reports at least the
// runner's own peak RSS (checked: a parent that had touched 200 MiB saw
// /bin/true report 207 MiB). This program is small, so the floor it leaves
// is its own 2 MiB or so.
//
//	rusage -- PROG [ARGS...] 3>report
//
// stdin, stdout and stderr are the command's; the exit status is the
// command's (128+N when signal N killed it). SIGINT and SIGTERM are passed
// on, and the command is killed if this program dies.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 3 || os.Args[1] != "--" {
		fmt.Fprintln(os.Stderr, "usage: rusage -- PROG [ARGS...] 3>report")
		os.Exit(2)
	}
	report := os.NewFile(3, "report")
	syscall.CloseOnExec(3) // the command does not inherit it
	// Pdeathsig follows the thread that started the child.
	runtime.LockOSThread()
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "rusage:", err)
		os.Exit(127)
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	wall := time.Since(start)
	st := cmd.ProcessState
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		fmt.Fprintln(os.Stderr, "rusage: no resource usage to report")
		os.Exit(125)
	}
	if _, err := fmt.Fprintf(report, "%d %d %d %d\n", wall.Nanoseconds(), ru.Utime.Nano(), ru.Stime.Nano(), ru.Maxrss); err != nil {
		fmt.Fprintln(os.Stderr, "rusage: writing the report:", err)
		os.Exit(125)
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(st.ExitCode())
}
