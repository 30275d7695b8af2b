package upload

import (
	"context"
	"errors"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// Class is what an error means for the caller's next step.
type Class int

const (
	// Other: failed, not otherwise classified (a source that changed, a
	// checksum mismatch, encryption not applied, a local read error, an
	// S3 error no diagnosis explains). Looking at it is needed.
	Other Class = iota
	// Permanent: a Diagnosis that needs a change first (a permission, a
	// key, the credentials, the clock). Rerunning as is fails the same way,
	// so a set stops at the first one.
	Permanent
	// Transient: throttled (SlowDown after the last retry), a 5xx, an
	// unreachable endpoint, a reset connection, KMS throttling, credentials
	// that expired mid-upload: the same call later may succeed as is.
	Transient
	// Interrupted: the caller stopped it (ctx cancelled or past its
	// deadline, or Input.Stop closed: ErrStopped). A kept upload resumes.
	Interrupted
)

func (c Class) String() string {
	switch c {
	case Permanent:
		return "permanent"
	case Transient:
		return "transient"
	case Interrupted:
		return "interrupted"
	}
	return "other"
}

// Classify says which Class an error of Upload (or of any S3 or KMS call:
// it covers errors that are not a Diagnosis) belongs to. nil is Other; ask
// only about errors. Interruption is checked first: a Diagnosis made of a
// cancelled request is the caller's doing, not the cause.
func Classify(err error) Class {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrStopped) {
		return Interrupted
	}
	var d *Diagnosis
	if errors.As(err, &d) {
		var ue *Error
		if d.UploadID == "" && errors.As(err, &ue) && ue.UploadID != "" {
			// Transient asks whether a multipart upload was under way.
			withID := *d
			withID.UploadID = ue.UploadID
			d = &withID
		}
		if d.Transient() {
			return Transient
		}
		return Permanent
	}
	if diagnose.IsTransient(err) {
		return Transient
	}
	return Other
}
