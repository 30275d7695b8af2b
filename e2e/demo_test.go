package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDemo runs scripts/demo.sh (what `make demo` runs) against this
// build, with a stack of its own, and holds it to what the demo promises:
// at most 120 lines with make's own (the script is allowed 117), each
// remedy's policy statements once, every step's command printed before it
// runs, the sha256 of the object read back equal to the file's, and no
// process of its stack left.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about 20 s")
	}
	for _, tool := range []string{"aws", "python3", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the demo needs %s: %v (CI is set, so this is a failure, not a skip)", tool, err)
			}
			t.Skipf("the demo needs %s: %v (with CI set this fails)", tool, err)
		}
	}
	dir := t.TempDir()
	teststackBin := filepath.Join(dir, "teststack")
	if out, err := exec.Command("go", "build", "-o", teststackBin, "../internal/teststack/cmd/teststack").CombinedOutput(); err != nil {
		t.Fatalf("building teststack: %v\n%s", err, out)
	}
	demoDir := filepath.Join(dir, "demo")
	cmd := exec.Command("../scripts/demo.sh")
	cmd.Env = append(os.Environ(), "UPLOADER_BIN="+plainBinary(t), "TESTSTACK_BIN="+teststackBin, "DEMO_DIR="+demoDir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := out.String()
	t.Cleanup(func() { _ = exec.Command(teststackBin, "stop", "--dir", demoDir).Run() }) // if the demo failed midway
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, text)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	// make demo adds its build line (two when bin/teststack is rebuilt).
	if len(lines) > 117 {
		t.Errorf("the demo printed %d lines, want at most 117 (120 with make's):\n%s", len(lines), text)
	}
	// One remedy has two policy statements: a key-policy statement (with a
	// Principal) and an IAM policy document (with a Version).
	for _, once := range []string{`"Principal": {`, `"Version": "2012-10-17",`} {
		if n := strings.Count(text, once); n != 1 {
			t.Errorf("%s printed %d times, want once:\n%s", once, n, text)
		}
	}
	if !regexp.MustCompile(`(?m)^sha256 match: `).MatchString(text) {
		t.Errorf("no sha256 match line:\n%s", text)
	}
	// The headline upload is verified against S3's full-object checksum.
	if !regexp.MustCompile(`(?m)^uploaded backup\.bin to s3://\S+/demo/backup\.bin: 64 MiB .* CRC64NVME \S+ verified$`).MatchString(text) {
		t.Errorf("the 64 MiB upload did not end verified:\n%s", text)
	}
	// Every step prints its command first: each uploader run is preceded
	// by a USER$ line, and every step has one.
	steps := regexp.MustCompile(`(?m)^.*== \d\. `).FindAllStringIndex(text, -1)
	if len(steps) != 5 {
		t.Errorf("%d steps, want 5:\n%s", len(steps), text)
	}
	for i, s := range steps {
		end := len(text)
		if i+1 < len(steps) {
			end = steps[i+1][0]
		}
		if !regexp.MustCompile(`(?m)^\w+\$ uploader `).MatchString(text[s[0]:end]) {
			t.Errorf("step %d shows no `$ uploader` command:\n%s", i+1, text[s[0]:end])
		}
	}
	// Step 5 says it resumes: the same command adopts the upload step 4
	// kept, rather than starting over.
	if len(steps) == 5 && !strings.Contains(text[steps[4][0]:], "resuming upload ") {
		t.Errorf("step 5 did not resume the upload step 4 kept:\n%s", text[steps[4][0]:])
	}
	if regexp.MustCompile(`STARTED[\s\S]*2010-11-10`).MatchString(text) {
		t.Errorf("uploads list shows moto's fixed 2010 start time:\n%s", text)
	}
	// No process of the demo's stack is left.
	b, err := os.ReadFile(filepath.Join(demoDir, "pids.started"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pids.started: %q", b)
		}
		deadline := time.Now().Add(5 * time.Second)
		for processAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if processAlive(pid) {
			t.Errorf("pid %d of the demo's stack is still running", pid)
		}
	}
}

// processAlive: /proc/PID exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
