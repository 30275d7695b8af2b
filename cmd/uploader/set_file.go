package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/walk"
	"github.com/uploader-dev/uploader/upload"
)

// one uploads one file of the set, with the guarantees of a single cp:
// the engine journals it by its path (resume), checksums every part and
// the object, checks the stored encryption and explains failures.
func (r *setRun) one(it *setItem) (o fileOutcome) {
	o.item = it
	began := time.Now()
	defer func() { o.duration = time.Since(began) }()
	f, fi, err := walk.Open(it.entry.Path)
	if err != nil {
		return r.failed(o, openFailure(it.entry.Path, err))
	}
	defer f.Close()
	if r.o.set.skipExisting {
		skip, why, err := r.existing(it, f, fi)
		switch {
		case err != nil:
			return r.failed(o, err)
		case skip:
			o.status, o.reason, o.why = fileSkipped, skipExists, why
			return o
		}
	}
	if r.halted() {
		// The set stopped while this file was being looked at (its
		// HeadObject): say it did not start, rather than let the engine
		// report a cancelled request.
		o.status = fileNotStarted
		return o
	}
	in := r.job.input
	in.Bucket, in.Key = r.job.target.Bucket, it.key
	in.Body, in.Size, in.SourcePath = f, fi.Size(), it.entry.Path
	in.ContentType = r.o.contentTypeOf(it.key)
	in.Stop = r.intr.Stop
	if r.events != nil {
		in.Listener = fileListener{listeners: r.others, events: r.events, source: it.entry.Rel}
	}
	res, err := r.u.Upload(r.ctx, in)
	speakDiagnosis(err)
	if err != nil {
		o.res = res
		return r.failed(o, err)
	}
	o.status, o.res = fileOK, res
	return o
}

// existing decides --skip-existing for a file: one HeadObject, and the
// file's checksum only when S3 reports a comparable one.
func (r *setRun) existing(it *setItem, f *os.File, fi fs.FileInfo) (bool, string, error) {
	obj, err := headStored(r.ctx, r.head, r.job.target.Bucket, it.key, r.rule.alg)
	if err != nil {
		return false, "", headFailure(err, r.job.target.Bucket, it.key, r.job.opts.Diagnostics.Principal)
	}
	sum := func() (string, error) {
		b, err := checksum.SumAt(r.rule.alg, f, 0, fi.Size(), make([]byte, checksum.ReadBufferSize))
		if err != nil {
			return "", fmt.Errorf("reading %s for its checksum: %w", it.entry.Path, err)
		}
		return checksum.Encode(b), nil
	}
	return r.rule.decide(obj, fi.Size(), fi.ModTime(), sum)
}

// failed records a file's failure: its exit code, and whether the set's
// stop or a signal ended it rather than a problem of its own. A permanent
// failure (exit 3) stops the set.
func (r *setRun) failed(o fileOutcome, err error) fileOutcome {
	o.err = err
	o.code = setFileCode(r.intr, err)
	cancelled := errors.Is(err, context.Canceled) || errors.Is(err, upload.ErrStopped)
	switch {
	case r.intr.signal() != nil:
		o.status = fileInterrupted
	case cancelled && errors.Is(context.Cause(r.ctx), errSetStopped):
		o.status, o.code = fileCancelled, ExitDiagnosed
	default:
		o.status = fileFailed
		if o.code == ExitDiagnosed {
			r.stopSet(o)
		}
	}
	return o
}

// setFileCode is the exit code a file's failure alone would give, as cp's
// mapping gives it, and 4 also for a transient failure outside the engine
// (a HeadObject of --skip-existing).
func setFileCode(intr *interrupter, err error) int {
	code := exitCode(cpFailure(intr, err))
	if code == ExitFailed && diagnose.IsTransient(err) {
		return ExitTransient
	}
	return code
}

// openFailure says why a file listed by the walk cannot be opened now.
func openFailure(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist any more (it was removed after the directory was listed)", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s is not readable: check its permissions", path)
	}
	return err
}
