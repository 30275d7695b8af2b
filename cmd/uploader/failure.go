package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

// reportCpFailure tells the user (stderr) and programs (--json) how the
// upload failed and what became of the multipart upload, and returns the
// error with its exit code, marked as reported.
func reportCpFailure(g *globalOptions, events *jsonEvents, job *cpJob, err error) error {
	code := exitCode(err)
	var d *diagnose.Diagnosis
	var ue *upload.Error
	var ie *interruptError
	errors.As(err, &ue)
	switch {
	case errors.As(err, &ie):
		fmt.Fprintln(g.stderr, "uploader: "+ie.text)
	case errors.As(err, &d):
		fmt.Fprintln(g.stderr, "uploader: "+d.Text())
	case ue != nil && ue.UploadID != "":
		// The fate line below says what became of the upload.
		fmt.Fprintln(g.stderr, "uploader: "+oneLine(ue.Err))
	default:
		fmt.Fprintln(g.stderr, "uploader: "+oneLine(err))
	}
	if h := failureHint(err); h != "" {
		fmt.Fprintln(g.stderr, h)
	}
	g.debugError(err)
	if ue != nil && ue.UploadID != "" {
		fmt.Fprintln(g.stderr, uploadFate(ue, job))
	}
	if events != nil {
		r := failedResult(err, code)
		if code == ExitInterrupted || code == ExitTerminated {
			r.Status = "interrupted"
			r.Diagnosis = nil // the signal is the cause, not what the cancelled requests said
		}
		events.result(r)
	}
	return &exitError{code: code, err: err, reported: true}
}

// failedResult is the JSON result of a failed upload: the error, its
// diagnosis, and what became of the multipart upload.
func failedResult(err error, code int) resultEvent {
	r := resultEvent{Status: "failed", ExitCode: code, Error: err.Error()}
	var d *diagnose.Diagnosis
	if errors.As(err, &d) {
		r.Diagnosis = d
	}
	var ue *upload.Error
	if errors.As(err, &ue) {
		r.UploadID = ue.UploadID
		r.UploadAborted = ue.Aborted
		r.UploadKept = ue.UploadID != "" && !ue.Aborted
	}
	return r
}

// uploadFate says what happened to the multipart upload and what to do.
func uploadFate(ue *upload.Error, job *cpJob) string {
	abortCmd := fmt.Sprintf("uploader uploads abort %s --upload-id %s", shellQuote(job.target.String()), ue.UploadID)
	switch {
	case ue.Aborted:
		return fmt.Sprintf("The multipart upload %s was aborted (%s): no parts are left behind.", ue.UploadID, whyAborted(job))
	case ue.AbortErr != nil:
		return fmt.Sprintf("The multipart upload %s could not be aborted (%v); its parts are stored and billed until you abort it:\n  %s", ue.UploadID, ue.AbortErr, abortCmd)
	}
	return fmt.Sprintf("The multipart upload %s was kept, with its progress journaled: rerun the same command to resume it (only the missing parts are sent). To drop it instead:\n  %s", ue.UploadID, abortCmd)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func whyAborted(job *cpJob) string {
	switch {
	case job.src == "-":
		return "stdin cannot be resumed"
	case job.opts.AbortOnFailure:
		return "--abort-on-failure"
	}
	return "it could not be resumed"
}
