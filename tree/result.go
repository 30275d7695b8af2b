package tree

import (
	"time"

	"github.com/uploader-dev/uploader/upload"
)

// Class is what became of one file of a set.
type Class int

const (
	// OK: uploaded (or found completed by a journaled upload's reconcile).
	OK Class = iota
	// Skipped: not uploaded on purpose; Reason says why.
	Skipped
	// FailedPermanent: a diagnosis that needs a change first (a permission,
	// a key, the credentials); by default it stops the set.
	FailedPermanent
	// FailedTransient: failed after the retries for a cause that may pass
	// (SlowDown, 5xx, an unreachable endpoint); a kept upload resumes.
	FailedTransient
	// Failed: failed for a reason of its own, not otherwise classified (a
	// source that changed, a checksum mismatch, a broken path, a key S3
	// refuses, an undiagnosed error).
	Failed
	// Cancelled: in flight when another file's permanent failure stopped
	// the set; a kept upload resumes on a rerun.
	Cancelled
	// Interrupted: stopped by the caller (Options.Stop, or ctx); a kept
	// upload resumes on a rerun.
	Interrupted
	// NotStarted: the set stopped (or was stopped) before the file's turn.
	NotStarted
	numClasses
)

func (c Class) String() string {
	switch c {
	case OK:
		return "ok"
	case Skipped:
		return "skipped"
	case FailedPermanent:
		return "failed_permanent"
	case FailedTransient:
		return "failed_transient"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	case Interrupted:
		return "interrupted"
	case NotStarted:
		return "not_started"
	}
	return "unknown"
}

// failed reports the classes of a file that was meant to upload and did
// not complete.
func (c Class) failed() bool {
	return c == FailedPermanent || c == FailedTransient || c == Failed || c == Cancelled || c == Interrupted
}

// SkipReason says why a file was Skipped; the values are the CLI's JSON
// "reason".
type SkipReason string

const (
	// Exists: the object is already there (the skip rule decided).
	Exists SkipReason = "exists"
	// NotRegular: a FIFO, socket or device.
	NotRegular SkipReason = "special"
	// SymlinkLoop: a symlinked directory leading back to an ancestor.
	SymlinkLoop SkipReason = "symlink_loop"
)

// FileResult is one file's end.
type FileResult struct {
	Entry Entry
	Key   string
	Class Class
	// Reason and Why are for Skipped: why, and in a few words what was
	// compared ("same size, stored after the file last changed").
	Reason SkipReason
	Why    string
	// Err is the failure, for the failed classes.
	Err error
	// Upload is the engine's result: the object for OK, and what is known
	// of a failed upload (Resumed, Plan).
	Upload   upload.Result
	Duration time.Duration // from the file's turn to its end
}

// Summary counts a set's outcomes.
type Summary struct {
	// Entries is every entry the walk yielded but unreadable directories
	// (files, special files, loops, broken paths): one FileResult each.
	Entries int
	// Files is the regular files among them, as Totals.Files counts them.
	Files int
	// UnreadableDirs counts the directories that could not be read; their
	// files (what could not be listed) are in no other count.
	UnreadableDirs int
	// ByClass counts the results by Class.
	ByClass [numClasses]int
	// Existing counts the files skipped as already uploaded (a success);
	// Skipped minus Existing were not regular files (exit 1).
	Existing int
	// Bytes is the size of the files uploaded (OK), resumed bytes included.
	Bytes int64
	// Stopper is the permanent failure that stopped the set (nil if none).
	Stopper *FileResult
	// Err is a failure of the set itself, not of a file: the listing that
	// skipping reads was denied or failed. The files after it did not
	// start.
	Err error
}

// Count is the number of results of class c.
func (s *Summary) Count(c Class) int { return s.ByClass[c] }

// Failed is the number of files that were meant to upload and did not
// complete, whatever the cause (cancelled and interrupted ones too).
func (s *Summary) Failed() int {
	n := 0
	for c := Class(0); c < numClasses; c++ {
		if c.failed() {
			n += s.ByClass[c]
		}
	}
	return n
}

func (s *Summary) add(r FileResult) {
	s.Entries++
	if r.Entry.Kind == Regular {
		s.Files++
	}
	s.ByClass[r.Class]++
	switch r.Class {
	case OK:
		s.Bytes += r.Upload.Size
	case Skipped:
		if r.Reason == Exists {
			s.Existing++
		}
	}
}

// Exit codes, as README documents them.
const (
	ExitOK        = 0
	ExitFailed    = 1
	ExitDiagnosed = 3
	ExitTransient = 4
)

// ExitCode is the set's exit status, ranked: 128+signo when a signal
// interrupted it (130 SIGINT, 143 SIGTERM; signo 0: none), else 3 if any
// file (or the set's listing) failed permanently, else 4 if any failed
// transiently, else 1 if any failed otherwise, was interrupted without a
// signal, or was skipped as not a regular file, or a directory could not
// be read (a backup that misses a directory did not succeed), else 0. Files skipped as
// already there are a success; files cancelled by a permanent failure or
// not started change nothing (the failure that caused it ranks).
func ExitCode(s Summary, signo int) int {
	setClass := upload.Other
	if s.Err != nil {
		setClass = upload.Classify(s.Err)
	}
	switch {
	case signo > 0:
		return 128 + signo
	case s.ByClass[FailedPermanent] > 0 || s.Err != nil && setClass == upload.Permanent:
		return ExitDiagnosed
	case s.ByClass[FailedTransient] > 0 || s.Err != nil && setClass == upload.Transient:
		return ExitTransient
	case s.ByClass[Failed] > 0 || s.ByClass[Interrupted] > 0 || s.ByClass[Skipped] > s.Existing || s.Err != nil || s.UnreadableDirs > 0:
		return ExitFailed
	}
	return ExitOK
}
