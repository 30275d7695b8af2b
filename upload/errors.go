package upload

import (
	"fmt"

	"github.com/uploader-dev/uploader/internal/journal"

	"github.com/uploader-dev/uploader/internal/size"
)

// Error is a failed upload. It carries the multipart upload id, when there
// was one, and what became of it, so the caller can tell the user how to
// resume or clean up. errors.As finds it; Unwrap gives the cause (often a
// *Diagnosis).
type Error struct {
	Op       string // "multipart upload" or "PutObject"
	UploadID string // "" when no multipart upload was created
	// Kept reports that the multipart upload was kept on purpose: a rerun
	// of the same upload resumes it. Aborted reports that it was aborted
	// (its parts are gone); AbortErr is why an abort that was tried failed.
	Kept     bool
	Aborted  bool
	AbortErr error
	Err      error
}

func (e *Error) Error() string {
	s := e.Err.Error()
	switch {
	case e.UploadID == "":
	case e.Aborted:
		s += fmt.Sprintf(" (multipart upload %s aborted)", e.UploadID)
	case e.AbortErr != nil:
		s += fmt.Sprintf(" (abort of multipart upload %s also failed: %v)", e.UploadID, e.AbortErr)
	case e.Kept:
		s += fmt.Sprintf(" (multipart upload %s kept: run the same upload again to resume it)", e.UploadID)
	default:
		s += fmt.Sprintf(" (multipart upload %s left in place)", e.UploadID)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// EncryptionError means S3 stored the object, but not with the requested
// encryption (S3-compatible servers may ignore SSE headers). The object
// exists; the caller decides what to tell the user.
type EncryptionError struct {
	Bucket, Key string
	Want        SSE
	GotMode     string
	GotKey      string
}

func (e *EncryptionError) Error() string {
	got := e.GotMode
	if got == "" {
		got = "no server-side encryption"
	}
	if e.GotKey != "" {
		got += " with key " + e.GotKey
	}
	want := e.Want.Mode
	if e.Want.KMSKeyID != "" {
		want += " with key " + e.Want.KMSKeyID
	}
	return fmt.Sprintf("encryption not applied: s3://%s/%s was stored with %s, not %s; the server ignored the request's encryption settings. Delete the object if it must not exist unencrypted, and use a server that supports SSE-KMS", e.Bucket, e.Key, got, want)
}

// SourceChangedError is a file source that changed while it was uploaded:
// an upload is never completed from it.
type SourceChangedError struct {
	Path     string
	Size     int64  // its size now; -1 when it cannot be read any more
	Expected int64  // its size when the upload started
	Why      string // what else changed ("modified at ...", a stat error)
	// Stored reports that S3 had already stored the object when the change
	// was seen (a single PutObject): it may hold a mix of old and new bytes.
	// Otherwise the upload was not completed.
	Stored bool
}

func (e *SourceChangedError) Error() string {
	what := fmt.Sprintf("%d bytes, expected %d", e.Size, e.Expected)
	switch {
	case e.Size < 0:
		what = e.Why
	case e.Why != "":
		what = e.Why
	}
	if e.Stored {
		return fmt.Sprintf("%s changed while it was uploaded: %s; the object was stored, but it may hold a mix of old and new bytes: upload it again once the file is stable", e.Path, what)
	}
	return fmt.Sprintf("%s changed while it was uploaded: %s; it was not completed: upload it again once it is stable", e.Path, what)
}

// StreamTooLargeError is a stream that needs more parts than S3 (or the
// configured limit) allows. Nothing is stored: the upload was aborted,
// never completed short.
type StreamTooLargeError struct {
	MaxParts int
	PartSize int64
}

func (e *StreamTooLargeError) Error() string {
	return fmt.Sprintf("the stream is larger than %d parts of %s (%s): nothing was stored; upload it with a larger part size or expected size", e.MaxParts, size.Format(e.PartSize), size.Format(int64(e.MaxParts)*e.PartSize))
}

// ObjectExistsError is an Input.NoOverwrite upload to a key
// that already holds an object: nothing was stored, the object is unchanged.
type ObjectExistsError struct {
	Bucket, Key string
}

func (e *ObjectExistsError) Error() string {
	return fmt.Sprintf("s3://%s/%s already exists and the upload asked not to overwrite it: the object is unchanged; delete it, or upload without the no-overwrite condition", e.Bucket, e.Key)
}

// ChecksumError is a checksum S3 reported that differs from the one
// computed from the source: the stored bytes are not the source's.
type ChecksumError struct {
	What          string // "part 3", "object s3://b/k"
	Local, Remote string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: the source's is %s, S3 reports %s; the stored bytes differ from the source", e.What, e.Local, e.Remote)
}

// ErrLocked matches, with errors.Is, a *LockedError: another uploader (a
// cp in another process, or an Uploader in this one) holds this file's
// upload. Nothing was sent.
var ErrLocked = journal.ErrLocked
