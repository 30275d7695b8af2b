package upload

import (
	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
)

// Diagnosis is an explained failure, found in Upload's error with
// errors.As. It is an alias so that code outside this module can name it;
// its fields:
//
//   - Code: stable (the Code constants below), e.g. MissingKMSDecrypt;
//   - Operation ("UploadPart", ...), Part and Parts (for part operations);
//   - Principal (the caller's ARN; a role's for assumed roles), Key (the KMS
//     key ARN), UploadID;
//   - Message (what happened and why), Remedy (what to do, with the exact
//     policy statements when a permission is missing);
//   - RequestID, HostID, HTTPStatus, ErrorCode, AWSMessage: AWS's evidence;
//   - Err: the SDK's error (Unwrap).
//
// Summary() is its one-line form, Text() the whole explanation.
type Diagnosis = diagnose.Diagnosis

// Code is a Diagnosis code; the values are a stable contract.
type Code = diagnose.Code

// The diagnosis codes.
const (
	MissingKMSDecrypt         = diagnose.MissingKMSDecrypt
	MissingKMSGenerateDataKey = diagnose.MissingKMSGenerateDataKey
	KMSKeyDisabled            = diagnose.KMSKeyDisabled
	KMSKeyPendingDeletion     = diagnose.KMSKeyPendingDeletion
	KMSKeyNotFound            = diagnose.KMSKeyNotFound
	KMSKeyWrongRegion         = diagnose.KMSKeyWrongRegion
	KMSThrottled              = diagnose.KMSThrottled
	S3AccessDenied            = diagnose.S3AccessDenied
	BucketNotFound            = diagnose.BucketNotFound
	WrongRegion               = diagnose.WrongRegion
	CredentialsMissing        = diagnose.CredentialsMissing
	CredentialsExpired        = diagnose.CredentialsExpired
	CredentialsInvalid        = diagnose.CredentialsInvalid
	ClockSkewed               = diagnose.ClockSkewed
	EndpointUnreachable       = diagnose.EndpointUnreachable
	EndpointStalled           = diagnose.EndpointStalled
	TLSUntrusted              = diagnose.TLSUntrusted
	ACLNotSupported           = diagnose.ACLNotSupported
)

// Journals is a folder of resume journals (Options.Journals), from
// OpenJournals. An Uploader with Journals keeps a failed or interrupted
// file upload and resumes it on the next Upload of the same file to the
// same key; ListUploads shows the journaled uploads. Use one folder per
// host: journals lock their upload with the pid of the process holding it.
type Journals = journal.Store

// OpenJournals opens (creating it 0700) the folder of resume journals;
// dir "" is the default, $XDG_STATE_HOME/uploader or
// ~/.local/state/uploader.
func OpenJournals(dir string) (*Journals, error) {
	if dir == "" {
		d, err := journal.DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return journal.Open(dir)
}

// LockedError (PID, Path, Identity) says another uploader holds this
// file's upload; errors.Is(err, ErrLocked) matches it.

// ChecksumAlgorithm is the algorithm of the checksums the engine computes
// for every part and checks against S3's (Options.Checksum). It is a
// string: a value from a config file converts with ParseChecksumAlgorithm.
type ChecksumAlgorithm = checksum.Algorithm

// The checksum algorithms S3 accepts. CRC64NVME is the default: S3 combines
// part CRCs into a full-object checksum, and it costs almost nothing here.
const (
	CRC64NVME = checksum.CRC64NVME
	CRC32     = checksum.CRC32
	CRC32C    = checksum.CRC32C
	SHA256    = checksum.SHA256
	SHA1      = checksum.SHA1
)

// ParseChecksumAlgorithm reads an algorithm name, case-insensitively
// ("crc64nvme", "SHA256", ...).
func ParseChecksumAlgorithm(s string) (ChecksumAlgorithm, error) { return checksum.Parse(s) }
