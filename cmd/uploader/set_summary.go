package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/tree"
)

// A set's end: its summary line and JSON summary. Each file's end is the
// reporter's (report.go), as one file's is.

func (r *setRun) say(format string, args ...any)  { r.rep.say(format, args...) }
func (r *setRun) warn(format string, args ...any) { r.rep.warn(format, args...) }

// end reports the set's end (stderr and the JSON summary) and returns
// its exit code as an error (nil for 0). r.pre is a preflight's failure
// (with its diagnosis r.preD), which ended the set before any file.
func (r *setRun) end() error {
	s := r.sum
	code := tree.ExitCode(s, r.signo())
	if r.pre != nil {
		code = exitCode(r.pre)
	}
	d := r.preD
	var stopErr error
	switch {
	case s.Stopper != nil:
		stopErr = s.Stopper.Err
	case s.Err != nil:
		stopErr = s.Err
	}
	if stopErr != nil {
		errors.As(stopErr, &d)
	}
	line := r.summaryLine(s)
	var err error
	switch {
	case r.pre != nil:
		err = fmt.Errorf("%v; %s", r.pre, line)
	case code != ExitOK:
		err = errors.New(line)
	}
	if code == ExitOK {
		r.say("%s\n", line)
	} else {
		if stopErr != nil && r.pre == nil {
			why := oneLine(stopErr)
			if d != nil {
				why = d.Text()
			}
			if s.Stopper != nil {
				r.warn("\nThe set stopped at %s (a permission, key or bucket problem); no more files were started.\n%s\n", s.Stopper.Entry.Rel, why)
			} else {
				r.warn("\nThe set stopped: the listing of %s that decides which files are already uploaded failed; no more files were started.\n%s\n", r.job.target, why)
			}
			r.warn("Rerun the same command after the fix: partly uploaded files resume; add --skip-existing to skip the files already uploaded.\n")
		}
		r.warn("uploader: %s\n", line)
	}
	if r.rep.events != nil {
		ev := summaryEvent{Source: r.job.root, Target: r.job.target.String(),
			FilesTotal: r.filesTotal(), FilesOK: s.Count(tree.OK), FilesFailed: s.Failed(), FilesSkipped: s.Count(tree.Skipped),
			FilesNotStarted: r.notStarted(), ExitCode: code, Diagnosis: d, DirsUnreadable: s.UnreadableDirs}
		if r.job.skip != tree.SkipNone {
			ev.SkipRule = r.job.skip.String()
		}
		if err != nil {
			ev.Error = err.Error()
		}
		r.rep.events.summary(ev)
	}
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, err: err, reported: true}
}

// filesTotal is every entry: the walk's when the set ran, else the
// counting pass's (a preflight stopped it before the walk).
func (r *setRun) filesTotal() int {
	if r.pre != nil {
		return r.totals.Files + r.totals.Other
	}
	return r.sum.Entries
}

// notStarted counts the files that never had their turn; after a failed
// preflight, every entry (the set was not walked again, so what the walk
// cannot upload was not reported either).
func (r *setRun) notStarted() int {
	if r.pre != nil {
		return r.totals.Files + r.totals.Other
	}
	return r.sum.Count(tree.NotStarted)
}

// summaryLine is the set's outcome in one line.
func (r *setRun) summaryLine(s tree.Summary) string {
	elapsed := time.Since(r.start)
	sent := r.rep.sent.n.Load()
	var b strings.Builder
	// Files as the header counted them (tree.Totals.Files, the regular
	// files); what is not a regular file is listed apart below.
	files := s.Files
	if r.pre != nil {
		files = r.totals.Files
	}
	fmt.Fprintf(&b, "%d of %s uploaded to %s (%s sent in %s, %s/s)", s.Count(tree.OK), plural(files, "file"), r.job.target,
		size.Format(sent), elapsed.Round(time.Millisecond), size.Format(rate(sent, elapsed)))
	for _, part := range []struct {
		n    int
		what string
	}{
		{s.Existing, "already uploaded (skipped)"},
		{s.Count(tree.Skipped) - s.Existing, "skipped as not regular files (special or symlink loops)"},
		{s.Failed(), "failed"},
		{r.notStarted(), "not started"},
		{s.UnreadableDirs, "directories could not be read (their files are not counted)"},
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
