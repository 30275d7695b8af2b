package teststack

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// versityProc is one versitygw, in its own process group, stopped by the
// pgid we created (never by name: other developers run versitygw too).
type versityProc struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	done    chan struct{} // closed when the process has been reaped
}

// startVersityProc runs versitygw on a free loopback port, retrying with
// a new port if another process took it between probe and bind.
func startVersityProc(ctx context.Context, bin string, v *Versity, tlsArgs []string, data string) (*versityProc, error) {
	logPath := filepath.Join(v.Dir, "versitygw.log")
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args := []string{
			"--access", v.AccessKey, "--secret", v.SecretKey, "--region", v.Region,
			"--port", "127.0.0.1:" + strconv.Itoa(port),
			"--health", "/health", // a readiness probe that needs no signature
		}
		args = append(append(args, tlsArgs...), "posix", data)
		scheme := "http"
		if len(tlsArgs) > 0 {
			scheme = "https"
		}
		p, err := spawnVersity(bin, args, logPath, fmt.Sprintf("%s://127.0.0.1:%d", scheme, port))
		if err != nil {
			return nil, err
		}
		err = p.waitReady(ctx, v)
		if err == nil {
			return p, nil
		}
		p.stop()
		lastErr = err
		if !strings.Contains(logTail(logPath, 4096), "address already in use") {
			break
		}
	}
	return nil, fmt.Errorf("versitygw did not come up: %w\n--- tail of %s ---\n%s", lastErr, logPath, logTail(logPath, 2048))
}

func spawnVersity(bin string, args []string, logPath, url string) (*versityProc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Env = versityEnv()
	cmd.Stdout, cmd.Stderr = logf, logf // fds 1, 2; nothing else is inherited
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// A test binary that crashes must not leave versitygw running.
		Pdeathsig: syscall.SIGKILL,
	}
	// From the long-lived locked thread, as for moto: Pdeathsig follows
	// the forking thread, not the process.
	if err := startFromLockedThread(cmd); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	p := &versityProc{cmd: cmd, url: url, logPath: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitReady polls the health endpoint until it answers 200.
func (p *versityProc) waitReady(ctx context.Context, v *Versity) error {
	ctx, cancel := context.WithTimeout(ctx, versityReadyTimeout)
	defer cancel()
	tr := &http.Transport{Proxy: nil}
	if v.roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: v.roots, MinVersion: tls.VersionTLS12}
	}
	c := &http.Client{Timeout: 2 * time.Second, Transport: tr}
	defer c.CloseIdleConnections()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/health", nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.done:
			return fmt.Errorf("versitygw exited early (%v)", p.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("no answer from %s/health within %s (last: %s): %w", p.url, versityReadyTimeout, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends the process group: SIGTERM, then SIGKILL after 5 s. It
// returns once the process is reaped, so its pid is gone.
func (p *versityProc) stop() {
	pgid := p.cmd.Process.Pid // Setpgid: pgid == pid
	select {
	case <-p.done:
		return // already reaped: the pid may be reused, signal nothing
	default:
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}
