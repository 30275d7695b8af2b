package main

import (
	"errors"
	"strings"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

// Exit codes: the contract scripts depend on. README lists them.
const (
	ExitOK           = 0   // done
	ExitFailed       = 1   // failed, not otherwise classified
	ExitUsage        = 2   // usage or bad input; no request was sent
	ExitDiagnosed    = 3   // permission, credential, bucket or KMS key problem diagnosed
	ExitTransient    = 4   // transient failure after retries; a file upload was kept
	ExitInconclusive = 5   // the preflight proved nothing either way; nothing was sent
	ExitInterrupted  = 130 // SIGINT
	ExitTerminated   = 143 // SIGTERM
)

// usageError is bad input found before any request.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(err error) error { return &usageError{err} }

// exitError carries an exit code for an error already reported to the user
// (for example a preflight FAIL, printed as a table).
type exitError struct {
	code     int
	err      error
	reported bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageError
	var pe *upload.PlanError
	if errors.As(err, &ue) || errors.As(err, &pe) {
		return ExitUsage
	}
	var d *diagnose.Diagnosis
	if errors.As(err, &d) {
		if d.Transient() { // throttled, unreachable: a rerun may succeed as is
			return ExitTransient
		}
		return ExitDiagnosed
	}
	return ExitFailed
}

func isReported(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.reported
}

// oneLine is an error as the "uploader: ..." summary line: one line, a
// diagnosis as its summary, an SDK error as what happened to the request
// (diagnose.Describe), never the SDK's whole chain, which --debug and the
// JSON error field carry.
func oneLine(err error) string {
	var ie *interruptError
	if errors.As(err, &ie) {
		return ie.text
	}
	s := diagnose.Describe(err)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
