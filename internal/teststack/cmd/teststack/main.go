// Command teststack runs the local AWS stack (moto behind the S3-KMS gate,
// see package internal/teststack) outside of tests, for `make demo`.
//
//	teststack start --dir DIR   start detached; write DIR/pid and DIR/env.USER
//	teststack stop --dir DIR    stop what start started
//
// After start, `. DIR/env.nodecrypt` sets up a shell as the user without
// kms:Decrypt (env.full, env.nogdk, env.noput, env.admin likewise).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "teststack:", err)
		os.Exit(1)
	}
}

const usage = "usage: teststack start|stop --dir DIR"

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("teststack "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for the pid, env and log files (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New(usage)
	}
	switch args[0] {
	case "start":
		return start(*dir)
	case "stop":
		return stop(*dir)
	case "serve": // internal: the detached process start runs
		return serve(*dir)
	}
	return errors.New(usage)
}
