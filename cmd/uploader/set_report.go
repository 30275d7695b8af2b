package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

// say prints human progress text (stderr, not with --quiet) above the bar.
func (r *setRun) say(format string, args ...any) {
	if r.g.quiet {
		return
	}
	r.warn(format, args...)
}

// warn prints even with --quiet: something the user must know.
func (r *setRun) warn(format string, args ...any) {
	if r.bar != nil {
		r.bar.clear()
	}
	fmt.Fprintf(r.g.stderr, format, args...)
}

// reportOutcome tells the user how one file ended, a line or two. A
// diagnosis that stopped the set is explained in full at the end.
func (r *setRun) reportOutcome(o fileOutcome) {
	rel, target := o.item.entry.Rel, o.item.target(r.job.target.Bucket)
	switch o.status {
	case fileOK:
		r.say("upload: %s to %s (%s%s)\n", rel, target, size.Format(o.res.Size), describeResumed(o.res))
		for _, n := range o.res.Notes {
			r.say("note: %s: %s\n", rel, n)
		}
		for _, h := range unfinishedHints(o.res) {
			r.say("  %s\n", h)
		}
		return
	case fileSkipped:
		if o.reason == skipExists {
			r.say("skip: %s: already at %s: %s\n", rel, target, o.why)
			return
		}
		r.warn("warning: skipping %s: %s\n", rel, o.why)
		return
	case fileCancelled:
		r.warn("cancelled: %s (the set stopped)\n", rel)
	case fileInterrupted:
		r.warn("interrupted: %s\n", rel)
	default:
		var d *diagnose.Diagnosis
		if errors.As(o.err, &d) {
			r.warn("uploader: %s: %s\n", rel, d.Summary())
		} else {
			r.warn("uploader: %s: %s\n", rel, oneLine(o.err))
		}
	}
	var ue *upload.Error
	if errors.As(o.err, &ue) && ue.UploadID != "" {
		job := &cpJob{src: o.item.entry.Path, target: s3url.URL{Bucket: r.job.target.Bucket, Key: o.item.key}, opts: r.job.opts}
		r.warn("  %s\n", uploadFate(ue, job))
	}
}

// end reports the set's end (stderr and the JSON summary) and returns
// its exit code as an error (nil for 0). pre is a preflight's failure
// (err, with its diagnosis d), which ended the set before any file.
func (r *setRun) end(pre error, d *diagnose.Diagnosis) error {
	t := r.tally
	code := t.exitCode(r.intr.signal())
	if pre != nil {
		code = exitCode(pre)
	}
	if r.stopper != nil {
		errors.As(r.stopper.err, &d)
	}
	line := r.summaryLine(t)
	var err error
	switch {
	case pre != nil:
		err = fmt.Errorf("%v; %s", pre, line)
	case code != ExitOK:
		err = errors.New(line)
	}
	if code == ExitOK {
		r.say("%s\n", line)
	} else {
		if r.stopper != nil {
			why := oneLine(r.stopper.err)
			if d != nil {
				why = d.Text()
			}
			r.warn("\nThe set stopped at %s (a permission, key or bucket problem); no more files were started.\n%s\n", r.stopper.item.entry.Rel, why)
			r.warn("Rerun the same command after the fix: partly uploaded files resume; add --skip-existing to skip the files already uploaded.\n")
		}
		r.warn("uploader: %s\n", line)
	}
	if r.events != nil {
		s := summaryEvent{Source: r.job.root, Target: r.job.target.String(),
			FilesTotal: len(r.job.items), FilesOK: t.ok, FilesFailed: t.failed, FilesSkipped: t.skipped,
			FilesNotStarted: t.notStarted, ExitCode: code, Diagnosis: d}
		if err != nil {
			s.Error = err.Error()
		}
		r.events.summary(s)
	}
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, err: err, reported: true}
}

// summaryLine is the set's outcome in one line.
func (r *setRun) summaryLine(t setTally) string {
	elapsed := time.Since(r.start)
	sent := r.sent.n.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d files uploaded to %s (%s sent in %s, %s/s)", t.ok, len(r.job.items), r.job.target,
		size.Format(sent), elapsed.Round(time.Millisecond), size.Format(rate(sent, elapsed)))
	for _, part := range []struct {
		n    int
		what string
	}{
		{t.existing, "already uploaded (skipped)"},
		{t.skipped - t.existing, "skipped as not regular files (special or symlink loops)"},
		{t.failed, "failed"},
		{t.notStarted, "not started"},
	} {
		if part.n > 0 {
			fmt.Fprintf(&b, ", %d %s", part.n, part.what)
		}
	}
	if sig := r.intr.signal(); sig != nil {
		fmt.Fprintf(&b, "; interrupted by %s: rerun the same command to resume", signalName(sig))
	}
	return b.String()
}
