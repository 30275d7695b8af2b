// Command teststack runs the local AWS stack (moto behind the S3-KMS gate,
// see package internal/teststack) outside of tests, for `make demo`.
//
//	bin/teststack start --dir DIR   start detached; write DIR/pid and DIR/env.USER
//	bin/teststack stop --dir DIR    stop what start started
//	bin/teststack --help            usage (exit 0)
//
// (make bin/teststack builds it.) The commands it prints name the binary as
// it was invoked.
//
// After start, `. DIR/env.nodecrypt` sets up a shell as the user without
// kms:Decrypt (env.full, env.nogdk, env.noput, env.admin likewise).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return // usage was printed, as asked
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "teststack:", err)
		os.Exit(1)
	}
}

// prog is how this binary was invoked (os.Args[0]: "bin/teststack",
// "./teststack", an absolute path), so the commands it suggests can be
// pasted as they are.
var prog = progName(os.Args[0])

func progName(arg0 string) string {
	if arg0 == "" {
		return "teststack"
	}
	return arg0
}

func usage() string {
	return fmt.Sprintf(`usage: %[1]s start|stop --dir DIR

  %[1]s start --dir DIR
      start moto behind the S3-KMS gate, detached; write DIR/pid, DIR/stack.json
      and DIR/env.USER (full, nodecrypt, nogdk, noput, admin)
  %[1]s stop --dir DIR
      stop what start started

After start, ". DIR/env.full" makes a shell act as the Full user against the
stack. Build this command with "make bin/teststack".
`, prog)
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage())
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage())
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet(prog+" "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() { fmt.Fprint(stdout, usage()) }
	dir := fs.String("dir", "", "directory for the pid, env and log files (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New(usage())
	}
	switch args[0] {
	case "start":
		return start(*dir)
	case "stop":
		return stop(*dir)
	case "serve": // internal: the detached process start runs
		return serve(*dir)
	}
	return errors.New(usage())
}
