// Package diagnose explains failures for preflight and the upload engine:
// it classifies an AWS error into a *Diagnosis (package diagnosis, which
// defines the type, its codes and its texts) with the evidence and a
// remedy. Codes appear in JSON output; never rename one.
package diagnose

import "github.com/uploader-dev/uploader/diagnosis"

// Code and Diagnosis are the exported package's: an error made here is
// found with errors.As under the diagnosis and upload names too.
type (
	Code      = diagnosis.Code
	Diagnosis = diagnosis.Diagnosis
)

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
	ListDenied                = diagnosis.ListDenied
	EndpointStalled           = diagnosis.EndpointStalled
)

// Codes lists every code, for documentation and exhaustive tests.
var Codes = diagnosis.Codes
