package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// reporter tells the user (stderr) and programs (--json, through its
// eventWriter) how each object of a cp ended: one file, or each file of
// a set. One file is the set of one: the same outcome, the same JSON
// result, the same fate of a kept upload; its human lines differ only in
// length: one file gets the whole explanation of a failure and a line with
// the time and rate, a set's file a line or two named by its path (the
// failure that stopped the set is explained in full at the end).
type reporter struct {
	g      *globalOptions
	events *eventWriter // --json; nil without
	set    bool
	// clear blanks a terminal's bar before a line; nil without one.
	clear func()
	// abortOnFailure is --abort-on-failure, for the fate of an aborted upload.
	abortOnFailure bool
	sent           *byteCounter // this run's bytes, for the rate
	start          time.Time
}

func newReporter(g *globalOptions, events *eventWriter, set, abortOnFailure bool) *reporter {
	return &reporter{g: g, events: events, set: set, abortOnFailure: abortOnFailure, sent: &byteCounter{}, start: time.Now()}
}

// say prints human progress text (stderr, not with --quiet) above the bar.
func (r *reporter) say(format string, args ...any) {
	if r.g.quiet {
		return
	}
	r.warn(format, args...)
}

// warn prints even with --quiet: something the user must know.
func (r *reporter) warn(format string, args ...any) {
	if r.clear != nil {
		r.clear()
	}
	fmt.Fprintf(r.g.stderr, format, args...)
}

// end reports how one object ended: its lines on stderr and its JSON
// result.
func (r *reporter) end(o outcome) {
	label := o.obj.Source
	if !r.set { // one file: what the engine left to say, however it ended
		for _, n := range o.upload.Notes {
			r.say("note: %s\n", n)
		}
		for _, h := range unfinishedHints(o.upload) {
			r.say("  %s\n", h)
		}
	}
	switch o.class {
	case tree.OK:
		if !r.set {
			r.say("%s\n", r.uploadedLine(o))
			break
		}
		r.say("upload: %s to %s (%s%s)\n", label, o.obj.Target, size.Format(o.upload.Size), describeResumed(o.upload))
		for _, n := range o.upload.Notes {
			r.say("note: %s: %s\n", label, n)
		}
		for _, h := range unfinishedHints(o.upload) {
			r.say("  %s\n", h)
		}
	case tree.Skipped:
		if o.reason == tree.Exists {
			r.say("skip: %s: already at %s: %s\n", label, o.obj.Target, o.why)
		} else {
			r.warn("warning: skipping %s: %s\n", label, o.why)
		}
	default:
		if !o.reported {
			r.failed(o)
		}
	}
	if r.events != nil {
		r.events.result(o)
	}
}

// fail ends one file's cp on o.err (o.upload: what is known of the
// upload): reported, and returned with its exit code.
func (r *reporter) fail(o outcome) error {
	code := exitCode(o.err)
	o.class, o.code, o.wholeRun, o.reported = tree.Failed, code, true, isReported(o.err)
	if code == ExitInterrupted || code == ExitTerminated {
		o.class = tree.Interrupted
	}
	r.end(o)
	return &exitError{code: code, err: o.err, reported: true}
}

// uploadedLine is one file's last line: what was stored, how fast this
// run sent it (only this run's bytes: those an earlier run sent are not
// this run's speed), resume, encryption and checksum.
func (r *reporter) uploadedLine(o outcome) string {
	res := o.upload
	elapsed := time.Since(r.start)
	src := o.obj.Source
	if src == "-" {
		src = "stdin"
	}
	return fmt.Sprintf("uploaded %s to s3://%s/%s: %s in %s (%s/s)%s%s%s", src, res.Bucket, res.Key,
		size.Format(res.Size), elapsed.Round(time.Millisecond), size.Format(rate(r.sent.n.Load(), elapsed)),
		describeResumed(res), describeSSE(res), describeChecksum(res))
}

// failed says how an object's upload failed and what became of its
// multipart upload.
func (r *reporter) failed(o outcome) {
	var d *diagnose.Diagnosis
	var ue *upload.Error
	var ie *interruptError
	errors.As(o.err, &d)
	errors.As(o.err, &ue)
	prefix := "uploader: "
	if r.set {
		prefix += o.obj.Source + ": "
	}
	switch {
	case r.set && o.class == tree.Cancelled:
		r.warn("cancelled: %s (the set stopped)\n", o.obj.Source)
	case r.set && o.class == tree.Interrupted:
		r.warn("interrupted: %s\n", o.obj.Source)
	case errors.As(o.err, &ie):
		r.warn("%s%s\n", prefix, ie.text)
	case d != nil && r.set:
		r.warn("%s%s\n", prefix, d.Summary()) // in full at the end, if it stopped the set
	case d != nil:
		r.warn("%s%s\n", prefix, d.Text())
	case ue != nil && ue.UploadID != "":
		// The fate line below says what became of the upload.
		r.warn("%s%s\n", prefix, oneLine(ue.Err))
	default:
		r.warn("%s%s\n", prefix, oneLine(o.err))
	}
	if !r.set {
		if h := failureHint(o.err); h != "" {
			r.warn("%s\n", h)
		}
		r.g.debugError(o.err)
	}
	if ue != nil && ue.UploadID != "" {
		indent := ""
		if r.set {
			indent = "  "
		}
		r.warn("%s%s\n", indent, r.uploadFate(ue, o.obj))
	}
}

// uploadFate says what happened to the multipart upload and what to do.
func (r *reporter) uploadFate(ue *upload.Error, obj object) string {
	abortCmd := fmt.Sprintf("uploader uploads abort %s --upload-id %s", shellQuote(obj.Target), ue.UploadID)
	switch {
	case ue.Aborted:
		why := "it could not be resumed"
		switch {
		case !r.set && obj.Source == "-": // a set's sources are paths under DIR
			why = "stdin cannot be resumed"
		case r.abortOnFailure:
			why = "--abort-on-failure"
		}
		return fmt.Sprintf("The multipart upload %s was aborted (%s): no parts are left behind.", ue.UploadID, why)
	case ue.AbortErr != nil:
		return fmt.Sprintf("The multipart upload %s could not be aborted (%v); its parts are stored and billed until you abort it:\n  %s", ue.UploadID, ue.AbortErr, abortCmd)
	}
	return fmt.Sprintf("The multipart upload %s was kept, with its progress journaled: rerun the same command to resume it (only the missing parts are sent). To drop it instead:\n  %s", ue.UploadID, abortCmd)
}

// failedResult is the JSON result of a failed upload: the error, its
// diagnosis, and what became of the multipart upload.
func failedResult(err error) resultEvent {
	r := resultEvent{Error: err.Error()}
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

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
