package main

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/upload"
)

// The lock taken before the preflight is held through it: a second run
// of the same file and key is refused while it is held (in the same
// process too: flock conflicts between descriptors), and free once
// released, for the engine to take.
func TestLockBeforePreflightHeldUntilReleased(t *testing.T) {
	js, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := &cpJob{src: "f", absPath: filepath.Join(t.TempDir(), "f"), target: s3url.URL{Bucket: "b", Key: "k"},
		opts: upload.Options{Journals: js}, plan: upload.Plan{Multipart: true}}
	release, err := lockBeforePreflight(job)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockBeforePreflight(job); !errors.Is(err, upload.ErrLocked) {
		t.Fatalf("second run while the first holds the lock: %v, want ErrLocked", err)
	}
	release()
	release() // idempotent: the deferred call after the upload's
	again, err := lockBeforePreflight(job)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
	// Nothing to lock for a stream or a single request.
	for _, j := range []*cpJob{{src: "-", opts: job.opts, plan: job.plan}, {src: "f", absPath: job.absPath, opts: job.opts}} {
		if _, err := lockBeforePreflight(j); err != nil {
			t.Errorf("%+v: %v", j.plan, err)
		}
	}
}
