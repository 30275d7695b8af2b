package teststack

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The demo runner: start detaches and writes pid and env files, a shell
// sourcing env.full reaches the stack, stop leaves nothing running.
func TestRunnerStartStop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the runner and starts a second moto")
	}
	bin := filepath.Join(t.TempDir(), "teststack")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/teststack").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = withoutAWS(os.Environ())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("teststack %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Log(run("start", "--dir", dir))
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	stopped := false
	defer func() {
		if !stopped {
			_ = syscall.Kill(-pid, syscall.SIGKILL) // the runner's own group, by its pid
		}
	}()
	for _, f := range []string{"env.full", "env.nodecrypt", "env.nogdk", "env.noput", "env.admin"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env.full"))
	for _, want := range []string{"export AWS_ENDPOINT_URL='http://127.0.0.1:", "export UPLOADER_TEST_KEY_ARN='arn:aws:kms:", "export UPLOADER_TEST_BUCKET='uploader-test'"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("env.full lacks %q:\n%s", want, env)
		}
	}
	if _, err := exec.LookPath("aws"); err == nil {
		sh := exec.Command("sh", "-c", ". "+filepath.Join(dir, "env.full")+" && aws sts get-caller-identity --query Arn --output text")
		out, err := sh.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "user/full") {
			t.Errorf("aws sts get-caller-identity as env.full: %v\n%s", err, out)
		}
	}
	mb, _ := os.ReadFile(filepath.Join(dir, "moto.pid"))
	motoPID, _ := strconv.Atoi(strings.TrimSpace(string(mb)))

	t.Log(run("stop", "--dir", dir))
	stopped = true
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range []int{pid, motoPID} {
		for syscall.Kill(p, 0) == nil && !isZombie(p) {
			if time.Now().After(deadline) {
				t.Fatalf("pid %d still running after stop", p)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left: %v", err)
	}
	t.Log(run("stop", "--dir", dir)) // idempotent
}

// isZombie reports an exited process its parent has not reaped yet
// (the runner's parent is init, or whatever reaps orphans here).
func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}
