package upload

import (
	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
)

// Diagnosis is an explained failure, found in Upload's error with
// errors.As: its Code is stable (see the Code constants), and it names the
// operation, part, principal, key, upload id and the remedy. It is an alias
// so that code outside this module can name it.
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
	TLSUntrusted              = diagnose.TLSUntrusted
	ACLNotSupported           = diagnose.ACLNotSupported
)

// Journals is a folder of resume journals (Options.Journals).
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
