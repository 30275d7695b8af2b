package teststack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrMotoNotFound is returned by Start when moto_server is not on PATH.
var ErrMotoNotFound = errors.New("moto_server not found on PATH: install moto[server] (pip install 'moto[server]')")

// motoReadyTimeout bounds how long Start waits for moto to answer.
const motoReadyTimeout = 30 * time.Second

// motoProc is one moto_server, in its own process group so it and anything
// it spawns are stopped together, by the pgid we created.
type motoProc struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	done    chan struct{} // closed when the process has been reaped
}

// startMoto runs moto_server on a free loopback port, retrying with a new
// port if another process took it between probe and bind.
func startMoto(ctx context.Context, dir string) (*motoProc, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrMotoNotFound
	}
	logPath := filepath.Join(dir, "moto.log")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		m, err := spawnMoto(bin, port, logPath)
		if err != nil {
			return nil, err
		}
		err = m.waitReady(ctx)
		if err == nil {
			return m, nil
		}
		m.stop()
		lastErr = err
		if !strings.Contains(logTail(logPath, 4096), "already in use") {
			break
		}
	}
	return nil, fmt.Errorf("moto_server did not come up: %w\n--- tail of %s ---\n%s", lastErr, logPath, logTail(logPath, 2048))
}

func spawnMoto(bin string, port int, logPath string) (*motoProc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// Every request is free of IAM checks until seeding is done and
	// reset-auth switches enforcement on.
	cmd.Env = append(withoutAWS(os.Environ()), "INITIAL_NO_AUTH_ACTION_COUNT=inf")
	cmd.Stdout, cmd.Stderr = logf, logf // *os.File: passed as fds 1, 2; nothing else is inherited
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// A test binary that crashes must not leave moto running.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := startFromLockedThread(cmd); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	m := &motoProc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), logPath: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(m.done)
	}()
	return m, nil
}

// spawnThread runs cmd.Start calls on one goroutine locked to its OS
// thread forever. Pdeathsig fires when the *thread* that forked the child
// exits, not the process; Go may end a thread whose locked goroutine
// returns, which would kill moto mid-run. This thread lives as long as
// the process.
var spawnThread = sync.OnceValue(func() chan<- func() {
	ch := make(chan func())
	go func() {
		runtime.LockOSThread()
		for f := range ch {
			f()
		}
	}()
	return ch
})

func startFromLockedThread(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	spawnThread() <- func() { errc <- cmd.Start() }
	return <-errc
}

// waitReady polls moto's dashboard until it answers.
func (m *motoProc) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, motoReadyTimeout)
	defer cancel()
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer c.CloseIdleConnections()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/moto-api/", nil)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-m.done:
			return fmt.Errorf("moto_server exited early (%v)", m.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("no answer from %s within %s: %w", m.url, motoReadyTimeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends moto's process group: SIGTERM, then SIGKILL after 5 s. It
// returns once the process is reaped, so its pid is gone.
func (m *motoProc) stop() {
	pgid := m.cmd.Process.Pid // Setpgid: pgid == pid
	select {
	case <-m.done:
		// Already reaped: the pid may be reused, so signal nothing.
		return
	default:
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-m.done
	}
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before moto binds; startMoto retries then.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// logTail returns up to n bytes from the end of a log file.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// withoutAWS drops every AWS_* variable, so neither moto nor a child run by
// Env sees the developer's real profile, keys or endpoints.
func withoutAWS(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}
