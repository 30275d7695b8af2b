package upload

import (
	"github.com/uploader-dev/uploader/diagnosis"
	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/journal"
)

// Diagnosis is an explained failure, found in Upload's error with
// errors.As. It is package diagnosis's type under this package's name (an
// alias, so both names match): `go doc
// github.com/uploader-dev/uploader/diagnosis Diagnosis` shows its fields
// and methods. In short:
//
//   - Code: stable (the Code constants below), e.g. MissingKMSDecrypt;
//   - Operation ("UploadPart", ...), Part and Parts (for part operations);
//   - Principal (the caller's ARN; a role's for assumed roles), Key (the KMS
//     key ARN), UploadID;
//   - Message (what happened and why), Remedy (what to do, with the exact
//     policy statements when a permission is missing);
//   - RequestID, HostID, HTTPStatus, ErrorCode, AWSMessage: AWS's evidence;
//   - Rerun, PreflightTells: what a program may add in its own words;
//   - Err: the SDK's error (Unwrap).
//
// Summary() is its one-line form, Text() the whole explanation, Transient()
// whether it can pass by itself.
type Diagnosis = diagnosis.Diagnosis

// Code is a Diagnosis code; the values are a stable contract. It is
// package diagnosis's Code; Transient() reports a cause that can pass by
// itself (KMS throttling, an unreachable endpoint).
type Code = diagnosis.Code

// The diagnosis codes.
const (
	MissingKMSDecrypt         = diagnosis.MissingKMSDecrypt
	MissingKMSGenerateDataKey = diagnosis.MissingKMSGenerateDataKey
	KMSKeyDisabled            = diagnosis.KMSKeyDisabled
	KMSKeyPendingDeletion     = diagnosis.KMSKeyPendingDeletion
	KMSKeyNotFound            = diagnosis.KMSKeyNotFound
	KMSKeyWrongRegion         = diagnosis.KMSKeyWrongRegion
	KMSThrottled              = diagnosis.KMSThrottled
	S3AccessDenied            = diagnosis.S3AccessDenied
	BucketNotFound            = diagnosis.BucketNotFound
	WrongRegion               = diagnosis.WrongRegion
	CredentialsMissing        = diagnosis.CredentialsMissing
	CredentialsExpired        = diagnosis.CredentialsExpired
	CredentialsInvalid        = diagnosis.CredentialsInvalid
	ClockSkewed               = diagnosis.ClockSkewed
	EndpointUnreachable       = diagnosis.EndpointUnreachable
	TLSUntrusted              = diagnosis.TLSUntrusted
	ACLNotSupported           = diagnosis.ACLNotSupported
	KMSDecryptOrS3Denied      = diagnosis.KMSDecryptOrS3Denied
	EndpointStalled           = diagnosis.EndpointStalled
	ListDenied                = diagnosis.ListDenied
)

// Journals is a folder of resume journals (Options.Journals), from
// OpenJournals. An Uploader with Journals keeps a failed or interrupted
// file upload and resumes it on the next Upload of the same file to the
// same key; ListUploads shows the journaled uploads, AbortUpload and
// AbortUploads remove an upload with its journal. Use one folder per host:
// journals lock their upload with the pid of the process holding it, and
// one *Journals may be shared by Uploaders and goroutines.
type Journals struct {
	s *journal.Store
}

// Dir is the folder the journals are in.
func (js *Journals) Dir() string { return js.s.Dir() }

// Has reports whether a journal records an upload of the file at source
// (an absolute path) to bucket/key: the next Upload of it resumes that
// upload, or recognises it as completed. A set asks before it decides to
// skip a file, so a kept upload is never skipped.
func (js *Journals) Has(source, bucket, key string) bool {
	return js.s.Has(journal.Identity{Source: source, Bucket: bucket, Key: key})
}

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
	s, err := journal.Open(dir)
	if err != nil {
		return nil, err
	}
	return &Journals{s: s}, nil
}

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
