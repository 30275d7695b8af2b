package upload

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
)

// LockedError is a journal held by another running upload (a cp in
// another process, or an Uploader in this one): its upload is in use.
// PID names the holder when it could be read.
type LockedError = journal.LockedError

// NoSuchUploadError is S3's NoSuchUpload: it knows no unfinished upload
// of that id for that key. It was completed, aborted (by someone else, or
// a lifecycle rule), or never existed; nothing is left to abort.
type NoSuchUploadError struct {
	Bucket, Key, UploadID string
	Err                   error // S3's answer
}

func (e *NoSuchUploadError) Error() string {
	return fmt.Sprintf("no multipart upload %s for s3://%s/%s: it was completed, aborted, or never existed (S3: NoSuchUpload)", e.UploadID, e.Bucket, e.Key)
}

func (e *NoSuchUploadError) Unwrap() error { return e.Err }

// AbortResult is what became of one upload.
type AbortResult struct {
	Upload PendingUpload
	// Err is nil when the upload was aborted. Otherwise it is a
	// *NoSuchUploadError (it had already ended: nothing to do), a
	// *LockedError (a running upload holds its journal: left alone), or
	// why the abort failed.
	Err error
}

// Failed reports an abort that failed: the upload may still be there.
func (r AbortResult) Failed() bool {
	var gone *NoSuchUploadError
	var locked *LockedError
	return r.Err != nil && !errors.As(r.Err, &gone) && !errors.As(r.Err, &locked)
}

// AbortReport is what an abort did.
type AbortReport struct {
	// Results are in the order the uploads were listed.
	Results []AbortResult
	// Cleaned are the journals removed: those of the aborted uploads, and
	// any of the prefix whose upload was already gone.
	Cleaned []CleanedJournal
}

// AbortsFailedError says some aborts of AbortUploadsOlderThan failed; the
// report's results say which and why.
type AbortsFailedError struct {
	Failed, Total int
}

func (e *AbortsFailedError) Error() string {
	return fmt.Sprintf("%d of %d aborts failed", e.Failed, e.Total)
}

// AbortUploadOptions name one upload to abort.
type AbortUploadOptions struct {
	Bucket, Key, UploadID string
	// Journals: the aborted upload's journal is removed from them. Nil:
	// no journal is touched.
	Journals *Journals
}

// AbortUpload aborts one multipart upload, named by the caller, and
// removes its journal. The caller chose it, so it is aborted even when a
// running upload holds its journal (that run then fails, and its journal
// stays for it to handle).
//
// The error is the result's: nil when aborted; a *NoSuchUploadError when S3
// has no such upload (then a journal that still names it is removed as
// stale); else S3's error.
func AbortUpload(ctx context.Context, c UploadsClient, o AbortUploadOptions) (AbortReport, error) {
	if o.Bucket == "" || o.Key == "" || o.UploadID == "" {
		return AbortReport{}, errors.New("abort multipart upload: the bucket, key and upload id are all needed")
	}
	u := PendingUpload{Bucket: o.Bucket, Key: o.Key, UploadID: o.UploadID}
	for _, r := range journalRecords(o.Journals) {
		if r.UploadID == u.UploadID && r.Identity.Bucket == u.Bucket && r.Identity.Key == u.Key {
			u.Source, u.JournaledParts, u.JournaledBytes = r.Identity.Source, len(r.Parts), r.Bytes()
		}
	}
	err := abortMultipartUpload(ctx, c, u)
	rep := AbortReport{Results: []AbortResult{{Upload: u, Err: err}}}
	var gone *NoSuchUploadError
	if u.Source != "" && (err == nil || errors.As(err, &gone)) {
		id := journal.Identity{Source: u.Source, Bucket: u.Bucket, Key: u.Key}
		if removeJournalOfUpload(o.Journals, id, u.UploadID) {
			rep.Cleaned = append(rep.Cleaned, cleanedJournal(id, u.UploadID))
		}
	}
	return rep, err
}

// AbortOlderThanOptions select the uploads to abort by age.
type AbortOlderThanOptions struct {
	Bucket string
	Prefix string // "" = the whole bucket
	// OlderThan: uploads initiated longer ago than this are aborted; 0
	// aborts every upload, whatever its age (or a server's clock) says.
	OlderThan time.Duration
	// Journals are matched and cleaned as by ListUploads, and an upload
	// whose journal a running upload holds is skipped, whatever its age.
	// Nil: no journal is read, and no upload is known to be running.
	Journals *Journals
	// Now is the clock the age is measured against; nil is time.Now.
	Now func() time.Time
}

// AbortUploadsOlderThan aborts the unfinished multipart uploads under a
// bucket and prefix initiated longer ago than OlderThan, and removes their
// journals.
//
// An upload that S3 no longer has by the time it is aborted (NoSuchUpload:
// it completed or was aborted since the listing) is a race, not a failure:
// its result carries a *NoSuchUploadError. The error is the listing's
// (a *Diagnosis where explained), or an *AbortsFailedError when some aborts
// failed, or the context's cause when it ended before every upload was
// handled; the report says what was done either way.
func AbortUploadsOlderThan(ctx context.Context, c UploadsClient, o AbortOlderThanOptions) (AbortReport, error) {
	if o.OlderThan < 0 {
		return AbortReport{}, fmt.Errorf("abort multipart uploads: negative age %s", o.OlderThan)
	}
	list, err := ListUploads(ctx, c, ListUploadsOptions{Bucket: o.Bucket, Prefix: o.Prefix, Journals: o.Journals})
	if err != nil {
		return AbortReport{}, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	cutoff := now().Add(-o.OlderThan)
	rep := AbortReport{Cleaned: list.Cleaned}
	failed := 0
	for _, u := range list.Uploads {
		if o.OlderThan > 0 && !u.Initiated.Before(cutoff) {
			continue
		}
		if ctx.Err() != nil {
			return rep, fmt.Errorf("abort multipart uploads: stopped before s3://%s/%s (upload %s): %w", u.Bucket, u.Key, u.UploadID, context.Cause(ctx))
		}
		res, cleaned := abortUnlessRunning(ctx, c, o.Journals, u)
		rep.Results = append(rep.Results, res)
		if cleaned {
			rep.Cleaned = append(rep.Cleaned, cleanedJournal(journal.Identity{Source: u.Source, Bucket: u.Bucket, Key: u.Key}, u.UploadID))
		}
		if res.Failed() {
			failed++
		}
	}
	if failed > 0 {
		return rep, &AbortsFailedError{Failed: failed, Total: len(rep.Results)}
	}
	return rep, nil
}

// abortUnlessRunning aborts u unless a running upload holds its journal.
// The journal's lock is held across the abort, so no cp can start resuming
// the upload while it is being aborted; the journal is then removed under
// the same lock. It reports whether the journal was removed.
func abortUnlessRunning(ctx context.Context, c UploadsClient, js *Journals, u PendingUpload) (AbortResult, bool) {
	if u.Source == "" || js == nil {
		return AbortResult{Upload: u, Err: abortMultipartUpload(ctx, c, u)}, false
	}
	j, err := js.s.Lock(journal.Identity{Source: u.Source, Bucket: u.Bucket, Key: u.Key})
	var locked *LockedError
	if errors.As(err, &locked) {
		return AbortResult{Upload: u, Err: err}, false
	}
	if err != nil { // the journal cannot be locked; the upload can still go
		return AbortResult{Upload: u, Err: abortMultipartUpload(ctx, c, u)}, false
	}
	defer j.Close()
	err = abortMultipartUpload(ctx, c, u)
	var gone *NoSuchUploadError
	if err != nil && !errors.As(err, &gone) {
		return AbortResult{Upload: u, Err: err}, false
	}
	rec, lerr := j.Load()
	removed := lerr == nil && rec != nil && rec.UploadID == u.UploadID && j.Remove() == nil
	return AbortResult{Upload: u, Err: err}, removed
}

// abortMultipartUpload sends the abort; NoSuchUpload becomes a
// *NoSuchUploadError.
func abortMultipartUpload(ctx context.Context, c UploadsClient, u PendingUpload) error {
	err := sendAbort(ctx, c, u.Bucket, u.Key, u.UploadID)
	if err == nil {
		return nil
	}
	var nsu *types.NoSuchUpload
	if errors.As(err, &nsu) || diagnose.ErrorCode(err) == "NoSuchUpload" {
		return &NoSuchUploadError{Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, Err: err}
	}
	return err
}

// sendAbort is the package's one AbortMultipartUpload request: the
// library's AbortUpload and the engine's abort of a failed upload
// (session.abort) both send it here.
func sendAbort(ctx context.Context, c interface {
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}, bucket, key, uploadID string, optFns ...func(*s3.Options)) error {
	_, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
	}, optFns...)
	return err
}
