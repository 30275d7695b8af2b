// Package diagnose is the vocabulary shared by preflight and the upload
// engine: a stable code for every failure we can explain, and the evidence
// and remedy that go with it. Codes appear in JSON output; never rename one.
package diagnose

// Code names a diagnosed cause. The values are part of the JSON contract.
type Code string

const (
	MissingKMSDecrypt         Code = "missing_kms_decrypt"
	MissingKMSGenerateDataKey Code = "missing_kms_generate_data_key"
	KMSKeyDisabled            Code = "kms_key_disabled"
	KMSKeyPendingDeletion     Code = "kms_key_pending_deletion"
	KMSKeyNotFound            Code = "kms_key_not_found"
	KMSKeyWrongRegion         Code = "kms_key_wrong_region"
	KMSThrottled              Code = "kms_throttled"
	S3AccessDenied            Code = "s3_access_denied"
	BucketNotFound            Code = "bucket_not_found"
	WrongRegion               Code = "wrong_region"
	CredentialsMissing        Code = "credentials_missing"
	CredentialsExpired        Code = "credentials_expired"
)

// Codes lists every code, for documentation and exhaustive tests.
var Codes = []Code{
	MissingKMSDecrypt, MissingKMSGenerateDataKey, KMSKeyDisabled,
	KMSKeyPendingDeletion, KMSKeyNotFound, KMSKeyWrongRegion, KMSThrottled,
	S3AccessDenied, BucketNotFound, WrongRegion, CredentialsMissing,
	CredentialsExpired,
}

// Diagnosis is a failure we can explain: what went wrong, where, for whom,
// and how to fix it. It is an error, so it travels up through the engine and
// the CLI finds it with errors.As.
type Diagnosis struct {
	Code      Code   `json:"code"`
	Operation string `json:"operation,omitempty"` // S3/KMS operation, e.g. "UploadPart"
	Part      int32  `json:"part,omitempty"`      // part number, for part operations
	Parts     int32  `json:"parts,omitempty"`     // total parts planned, when known
	Principal string `json:"principal,omitempty"` // caller ARN (role ARN for assumed roles)
	Key       string `json:"key,omitempty"`       // KMS key ARN (or id/alias when unresolved)
	UploadID  string `json:"upload_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Message   string `json:"message"` // one or more sentences: what happened and why
	Remedy    string `json:"remedy,omitempty"`
	// Err is the underlying SDK error.
	Err error `json:"-"`

	// Evidence for Text; not in the JSON contract (Message says it in words).
	HTTPStatus int    `json:"-"` // 0 when no response was received
	ErrorCode  string `json:"-"` // the service's error code, e.g. "AccessDenied"
	HostID     string `json:"-"` // S3's x-amz-id-2, asked for by AWS support
	AWSMessage string `json:"-"` // the service's own message text
	What       string `json:"-"` // the "what happened" sentences of Message
	Why        string `json:"-"` // the "why" sentences of Message
}

func (d *Diagnosis) Error() string {
	if d.Message != "" {
		return string(d.Code) + ": " + d.Message
	}
	return string(d.Code)
}

func (d *Diagnosis) Unwrap() error { return d.Err }
