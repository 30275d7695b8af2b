package e2e

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestQuickstart runs docs/quickstart.sh, the README's Quick start, from
// the repository's root, as a new user would, and checks that it shows
// what the README says it shows: the stack started, the preflight passed,
// the upload's plan, and the upload encrypted and verified.
func TestQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and starts a stack of its own")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("the Quick start runs make")
	}
	if readme, script := readmeQuickstart(t), scriptCommands(t); readme != script {
		t.Fatalf("README's Quick start and docs/quickstart.sh differ:\nREADME:\n%s\nscript:\n%s", readme, script)
	}
	cmd := exec.Command("sh", "docs/quickstart.sh")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir()) // the stack's folder (mktemp -d)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docs/quickstart.sh: %v\n%s", err, out)
	}
	for _, want := range []string{
		`(?m)^teststack running \(pid \d+\): gate http://127\.0\.0\.1:\d+, bucket uploader-test, key arn:aws:kms:\S+$`,
		`(?m)^preflight: 11 checks passed \(\d+ requests\)$`,
		`(?m)^uploading \S+/backup\.bin \(20 MiB\) to s3://uploader-test/backup\.bin in 3 parts of 8 MiB, 10 at a time$`,
		`(?m)^uploaded \S+/backup\.bin to s3://uploader-test/backup\.bin: 20 MiB in \S+ \(\S+ MiB/s\), encrypted aws:kms with alias/uploader-test, CRC64NVME \S+ verified$`,
		`(?m)^teststack: stopped \(pid \d+\)$`,
	} {
		if !regexp.MustCompile(want).Match(out) {
			t.Errorf("no line matching %s in:\n%s", want, out)
		}
	}
}

// readmeQuickstart is the README Quick start's local-stack block: the
// fenced sh block that starts the test stack.
func readmeQuickstart(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(block[1], "bin/teststack start") {
			return strings.TrimSpace(block[1])
		}
	}
	t.Fatal("README has no Quick start block that starts the local stack")
	return ""
}

// scriptCommands are docs/quickstart.sh's command lines, without comments.
func scriptCommands(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../docs/quickstart.sh")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || line == "set -e" {
			continue
		}
		cmds = append(cmds, line)
	}
	return strings.Join(cmds, "\n")
}
