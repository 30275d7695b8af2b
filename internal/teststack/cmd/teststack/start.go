package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/uploader-dev/uploader/internal/teststack"
)

// envFiles names the env file written for each user.
func envFiles(s *teststack.Stack) map[string]teststack.User {
	return map[string]teststack.User{
		"env.full":      s.Full,
		"env.nodecrypt": s.NoDecrypt,
		"env.nogdk":     s.NoGenerateDataKey,
		"env.noput":     s.NoPutObject,
		"env.admin":     s.Admin,
	}
}

// start re-executes this binary as `serve` in a new session with its output
// in DIR/stack.log and no other inherited descriptors, and returns once the
// stack is seeded and the env files are written.
func start(dir string) error {
	if _, err := exec.LookPath("moto_server"); err != nil {
		return teststack.ErrMotoNotFound
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if pid, ok := runningPID(dir); ok {
		return fmt.Errorf("already running in %s (pid %d): run %s", dir, pid, stopCommand(dir))
	}
	_ = os.Remove(filepath.Join(dir, readyFile))
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(dir, logFile), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(self, "serve", "--dir", dir)
	cmd.Stdout, cmd.Stderr = logf, logf // stdin is /dev/null
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	s, err := waitReady(dir, exited)
	if err != nil {
		_ = cmd.Process.Kill() // ours, by pid; moto follows through Pdeathsig
		return fmt.Errorf("%w\n--- tail of %s ---\n%s", err, logf.Name(), tail(logf.Name(), 2048))
	}
	for name, u := range envFiles(s) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(envFile(s, u, path)), 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("teststack running (pid %d): gate %s, bucket %s, key %s\n", cmd.Process.Pid, s.Endpoint, s.Bucket, s.KeyARN)
	fmt.Printf("  . %s  (also env.nodecrypt env.nogdk env.noput env.admin); logs in %s\n", filepath.Join(dir, "env.full"), dir)
	fmt.Printf("  stop: %s\n", stopCommand(dir))
	return nil
}

func waitReady(dir string, exited <-chan struct{}) (*teststack.Stack, error) {
	deadline := time.After(45 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, readyFile)); err == nil {
			var s teststack.Stack
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, err
			}
			return &s, nil
		}
		select {
		case <-exited:
			return nil, errors.New("the stack exited before it was ready")
		case <-deadline:
			return nil, errors.New("the stack was not ready within 45s")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// envFile is a shell fragment that makes a shell act as u against the
// stack. It unsets what would otherwise override the given credentials or
// endpoint.
func envFile(s *teststack.Stack, u teststack.User, path string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# teststack: act as %s (%s). Source it: . %s\n", u.Name, u.ARN, path)
	b.WriteString("unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CA_BUNDLE AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_KMS AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_IAM\n")
	for _, kv := range s.AWSEnv(u) {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	return b.String()
}

func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// stopCommand is the command that stops the stack in dir, with this binary
// named as it was invoked.
func stopCommand(dir string) string {
	return prog + " stop --dir " + shellQuoteIfNeeded(dir)
}

func shellQuoteIfNeeded(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@=") == "" {
		return s
	}
	return shellQuote(s)
}
