package teststack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrVersityNotInstalled is returned by StartVersity when versitygw is not
// installed and scripts/install-versitygw.sh cannot install it (no Go
// toolchain or module proxy, say). Outside CI, tests may skip on it.
var ErrVersityNotInstalled = errors.New("versitygw is not installed and scripts/install-versitygw.sh could not install it")

// installVersity runs scripts/install-versitygw.sh, which builds versitygw
// into <repo>/.cache/bin on first use and otherwise only checks the
// installed version, and returns the binary's path.
func installVersity(ctx context.Context) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrVersityNotInstalled, err)
	}
	script := filepath.Join(root, "scripts", "install-versitygw.sh")
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Env = withoutAWS(os.Environ())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s: %v\n%s", ErrVersityNotInstalled, script, err, tail(stderr.String(), 2048))
	}
	bin := strings.TrimSpace(stdout.String())
	if i := strings.LastIndexByte(bin, '\n'); i >= 0 {
		bin = bin[i+1:]
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("%w: %s printed %q: %v", ErrVersityNotInstalled, script, bin, err)
	}
	return bin, nil
}

// repoRoot finds the checkout: from this source file's path when the
// build kept it, else upwards from the working directory (tests run in
// their package directory; the teststack command anywhere inside).
func repoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Join(filepath.Dir(file), "..", "..")
		if isRepoRoot(root) {
			return filepath.Clean(root), nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isRepoRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no uploader checkout (scripts/install-versitygw.sh) above the working directory")
		}
		dir = parent
	}
}

func isRepoRoot(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "scripts", "install-versitygw.sh"))
	return err == nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
