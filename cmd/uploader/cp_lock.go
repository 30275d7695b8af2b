package main

import (
	"errors"

	"github.com/uploader-dev/uploader/internal/journal"
)

// refuseLocked refuses, before the preflight, a file whose upload another
// running uploader holds (its journal's lock): the run would be refused
// by the engine anyway, after a preflight's dozen requests. It takes the
// lock and lets it go at once: flock(2) conflicts between two descriptors
// of one process, so the CLI cannot hold it for the engine, which takes it
// again before CreateMultipartUpload. A run that starts in between is
// refused there, as before. Only a multipart file upload is journaled; a
// stream or a single PutObject has no lock, and an error other than
// LockedError is left for the engine to meet and report.
func refuseLocked(job *cpJob) error {
	if job.src == "-" || job.opts.Journals == nil || !job.plan.Multipart || job.absPath == "" {
		return nil
	}
	s, err := journal.Open(job.opts.Journals.Dir())
	if err != nil {
		return nil
	}
	j, err := s.Lock(journal.Identity{Source: job.absPath, Bucket: job.target.Bucket, Key: job.target.Key})
	var locked *journal.LockedError
	if errors.As(err, &locked) {
		return err
	}
	if err == nil {
		_ = j.Close()
	}
	return nil
}
