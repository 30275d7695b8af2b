package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The test binary runs main itself when asked, so the exit status is the
// real one.
func init() {
	if os.Getenv("TESTSTACK_RUN_MAIN") == "1" {
		os.Args = append([]string{"bin/teststack"}, strings.Fields(os.Getenv("TESTSTACK_ARGS"))...)
		prog = progName(os.Args[0])
		main()
		os.Exit(0)
	}
}

func runMain(t *testing.T, args string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TESTSTACK_RUN_MAIN=1", "TESTSTACK_ARGS="+args)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range []string{"--help", "-h", "help", "start --help", "stop -h"} {
		out, errOut, code := runMain(t, args)
		if code != 0 || !strings.Contains(out, "usage: bin/teststack start|stop --dir DIR") || errOut != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	_, errOut, code := runMain(t, "")
	if code != 1 || !strings.Contains(errOut, "usage: bin/teststack") {
		t.Errorf("no arguments: exit %d, stderr %q", code, errOut)
	}
	_, _, code = runMain(t, "start")
	if code != 1 {
		t.Errorf("start without --dir: exit %d", code)
	}
}

func TestStopCommandNamesTheBinary(t *testing.T) {
	defer func(p string) { prog = p }(prog)
	for _, c := range []struct{ arg0, dir, want string }{
		{"bin/teststack", "/tmp/stack", "bin/teststack stop --dir /tmp/stack"},
		{"/home/me/uploader/bin/teststack", "/tmp/a b", "/home/me/uploader/bin/teststack stop --dir '/tmp/a b'"},
		{"", "/d", "teststack stop --dir /d"},
	} {
		prog = progName(c.arg0)
		if got := stopCommand(c.dir); got != c.want {
			t.Errorf("%q: %q, want %q", c.arg0, got, c.want)
		}
	}
}
