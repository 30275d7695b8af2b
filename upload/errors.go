package upload

import (
	"fmt"
)

// Error is a failed upload. It carries the multipart upload id, when there
// was one, and what became of it, so the caller can tell the user how to
// resume or clean up. errors.As finds it; Unwrap gives the cause (often a
// *diagnose.Diagnosis).
type Error struct {
	Op       string // "upload", "complete", ...
	UploadID string // "" when no multipart upload was created
	// Aborted reports that the multipart upload was aborted (its parts are
	// gone); AbortErr is why an abort that was tried failed.
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
	default:
		s += fmt.Sprintf(" (multipart upload %s kept)", e.UploadID)
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
