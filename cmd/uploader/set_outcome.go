package main

import (
	"os"
	"time"

	"github.com/uploader-dev/uploader/upload"
)

// fileStatus is what became of one file of a set; the values are the
// JSON result's status.
type fileStatus string

const (
	fileOK          fileStatus = "ok"
	fileFailed      fileStatus = "failed"
	fileSkipped     fileStatus = "skipped"
	fileCancelled   fileStatus = "cancelled"   // stopped because another file's permanent failure stopped the set
	fileInterrupted fileStatus = "interrupted" // stopped by SIGINT / SIGTERM
	// fileNotStarted: the set stopped before the file's turn came. It has
	// no result line; the summary counts it.
	fileNotStarted fileStatus = ""
)

// Why a file was skipped (the JSON result's reason).
const (
	skipExists  = "exists"       // --skip-existing: the object is there whole
	skipSpecial = "special"      // a FIFO, socket or device
	skipLoop    = "symlink_loop" // a symlinked directory leading back to an ancestor
)

// fileOutcome is one file's end.
type fileOutcome struct {
	item   *setItem
	status fileStatus
	reason string // skipped only
	// code is the exit code this file alone would have given (0 for ok
	// and skipped-as-existing).
	code int
	res  upload.Result
	err  error
	// why is one line for a skip: what was compared, or what the file is.
	why      string
	duration time.Duration // from the file's turn to its end
}

// setTally counts the outcomes and decides the set's exit code.
type setTally struct {
	ok, failed, skipped, notStarted int
	existing                        int // of skipped: already uploaded (--skip-existing)
	// worst exit codes seen, by class.
	diagnosed, transient, other bool
}

func (t *setTally) add(o fileOutcome) {
	switch o.status {
	case fileNotStarted:
		t.notStarted++
		return
	case fileOK:
		t.ok++
		return
	case fileSkipped:
		t.skipped++
		if o.reason == skipExists {
			t.existing++
		} else {
			t.other = true // a file the user asked for was not uploaded
		}
		return
	}
	t.failed++
	switch o.code {
	case ExitDiagnosed:
		t.diagnosed = true
	case ExitTransient:
		t.transient = true
	default:
		t.other = true
	}
}

// exitCode is the set's exit code: 130/143 if interrupted, else 3 if any
// file had a permanent diagnosis, else 4 if any failed transiently, else 1
// if any failed or was skipped as special (or as a loop), else 0. Files
// cancelled because the set stopped carry the code of the failure that
// stopped it, so they change nothing.
func (t *setTally) exitCode(sig os.Signal) int {
	switch {
	case sig != nil:
		return signalExit(sig)
	case t.diagnosed:
		return ExitDiagnosed
	case t.transient:
		return ExitTransient
	case t.other || t.failed > 0:
		return ExitFailed
	}
	return ExitOK
}
