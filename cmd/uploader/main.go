// Command uploader uploads big files to Amazon S3 with SSE-KMS: it checks
// the permissions before any data moves, explains failures, and resumes.
package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and returns the process exit code (see exitcode.go).
func run(args []string) int {
	defer startProfile()()
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if !isReported(err) {
		fmt.Fprintln(os.Stderr, "uploader: "+oneLine(err))
		if debug, _ := root.PersistentFlags().GetBool("debug"); debug {
			fmt.Fprintln(os.Stderr, "debug: error: "+err.Error())
		}
	}
	return code
}
