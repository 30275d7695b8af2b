package main

import (
	"errors"
	"sync"

	"github.com/uploader-dev/uploader/internal/journal"
)

// lockBeforePreflight takes, before the preflight, the lock of the
// journal of a file's upload, so that a second cp of it is refused at
// once instead of after a preflight's dozen requests; a lock another
// running uploader holds is returned as its *LockedError. The caller
// calls release just before the upload: flock(2) conflicts between two
// descriptors of one process, so the CLI cannot hand its lock to the
// engine, which takes it again before CreateMultipartUpload. Only in that
// instant can another run slip in, and the engine refuses it then, as
// before. Only a multipart file upload is journaled; a stream or a single
// PutObject has no lock, and an error other than a LockedError is left
// for the engine to meet and report.
func lockBeforePreflight(job *cpJob) (release func(), err error) {
	release = func() {}
	if job.src == "-" || job.opts.Journals == nil || !job.plan.Multipart || job.absPath == "" {
		return release, nil
	}
	s, err := journal.Open(job.opts.Journals.Dir())
	if err != nil {
		return release, nil
	}
	j, err := s.Lock(journal.Identity{Source: job.absPath, Bucket: job.target.Bucket, Key: job.target.Key})
	var locked *journal.LockedError
	if errors.As(err, &locked) {
		return release, err
	}
	if err != nil {
		return release, nil
	}
	var once sync.Once
	return func() { once.Do(func() { _ = j.Close() }) }, nil
}
