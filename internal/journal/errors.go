package journal

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by Journal methods called after Close.
var ErrClosed = errors.New("journal: closed")

// ErrNoJournal is returned by AddPart when no journal has been begun or
// loaded on this Journal, or after Remove.
var ErrNoJournal = errors.New("journal: no journal begun (call Begin or Load first)")

// ErrLocked matches a *LockedError with errors.Is.
var ErrLocked = errors.New("journal: the upload is locked by another uploader")

// LockedError says another process holds the lock on an upload.
type LockedError struct {
	// PID is the holder's process id as it wrote it in the lock file; 0 when
	// it could not be read (the holder had not written it yet).
	PID int
	// Path is the lock file.
	Path string
	// Identity is the upload that is busy.
	Identity Identity
}

func (e *LockedError) Error() string {
	who := "another uploader"
	if e.PID > 0 {
		who = fmt.Sprintf("another uploader (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is uploading this file to %s; wait for it or stop it", who, e.Identity.url())
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// CorruptError says a journal could not be trusted. Load has already moved
// it aside to MovedTo so the next run starts clean; List leaves it in place
// and MovedTo is "".
type CorruptError struct {
	// Path is where the journal was found.
	Path string
	// MovedTo is where it is now, "" if it was not moved.
	MovedTo string
	// Reason says what is wrong, e.g. "line 3: checksum mismatch".
	Reason string
	// UploadID is the upload the journal named, when its header could
	// still be read and names this journal's file, bucket and key (its
	// checksum may be bad); "" when nothing can be trusted to name it.
	UploadID string
}

func (e *CorruptError) Error() string {
	if e.MovedTo == "" {
		return fmt.Sprintf("journal %s is corrupt: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("journal %s is corrupt (%s); set it aside as %s, it will not be used", e.Path, e.Reason, e.MovedTo)
}
