package upload

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
)

// CommandOutput starts cmd and returns its standard output as a stream for
// Input.Body (Size -1), so that a producer that fails fails the upload
// instead of storing what it wrote before it failed: `tar` of a missing
// directory writes a few bytes and exits 2, and a plain pipe would end in
// io.EOF and a stored object.
//
// Read returns the output, then io.EOF once the command has exited with
// status 0, or, when it failed, a *CommandError (its exit status and the
// end of its standard error) in place of io.EOF: the upload then stores
// nothing. When cmd.Stderr is nil, the last 4 KiB the command writes there
// are kept for the error.
//
// Close ends a command that is still running (the upload failed or was
// stopped before the end of the output: the command is killed) and waits
// for it; it returns nil unless the command failed by itself. Always Close.
func CommandOutput(cmd *exec.Cmd) (io.ReadCloser, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &commandOutput{cmd: cmd, out: out}
	if cmd.Stderr == nil {
		c.stderr = &tailBuffer{max: 4 << 10}
		cmd.Stderr = c.stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return c, nil
}

// CommandError is a command run by CommandOutput that failed. errors.As
// finds the *exec.ExitError in Err (its ExitCode()).
type CommandError struct {
	Command string // the command line, as exec.Cmd.String gives it
	Err     error  // from Wait: an *exec.ExitError, or why it could not be waited for
	Stderr  string // the end of its standard error, when CommandOutput kept it
}

func (e *CommandError) Error() string {
	s := fmt.Sprintf("command %s failed: %v", e.Command, e.Err)
	if tail := strings.TrimSpace(e.Stderr); tail != "" {
		s += ": " + strings.ReplaceAll(tail, "\n", "; ")
	}
	return s
}

func (e *CommandError) Unwrap() error { return e.Err }

type commandOutput struct {
	cmd    *exec.Cmd
	out    io.ReadCloser
	stderr *tailBuffer

	mu     sync.Mutex
	waited bool
	err    error // what Read returns once the output ended: io.EOF or a *CommandError
}

// Read is not safe for concurrent use (no io.Reader is); Close may run
// while a Read waits.
func (c *commandOutput) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.waited {
		defer c.mu.Unlock()
		return 0, c.err
	}
	c.mu.Unlock()
	n, err := c.out.Read(p)
	if err == nil {
		return n, nil
	}
	// The output ended (or its pipe failed): the command's exit decides.
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wait()
	if err != io.EOF && c.err == io.EOF {
		c.err = err
	}
	return n, c.err
}

// wait reaps the command once (c.mu held); c.err becomes io.EOF for a
// success.
func (c *commandOutput) wait() {
	if c.waited {
		return
	}
	c.waited = true
	if err := c.cmd.Wait(); err != nil {
		ce := &CommandError{Command: c.cmd.String(), Err: err}
		if c.stderr != nil {
			ce.Stderr = c.stderr.String()
		}
		c.err = ce
		return
	}
	c.err = io.EOF
}

func (c *commandOutput) Close() error {
	c.mu.Lock()
	waited := c.waited
	c.mu.Unlock()
	if !waited {
		// The output was not read to its end: stop the command, which may
		// be blocked writing to the pipe (a Read waiting on it then ends).
		_ = c.cmd.Process.Kill()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wait()
	if waited && c.err != io.EOF {
		return c.err
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.b, nil))
}
