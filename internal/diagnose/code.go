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
	CredentialsInvalid        Code = "credentials_invalid"
	ClockSkewed               Code = "clock_skewed"
	EndpointUnreachable       Code = "endpoint_unreachable"
	// EndpointStalled: the connection was made, then moved no byte for
	// the stall window (the server or the path stopped reading or
	// answering), as often as the retry window allowed.
	EndpointStalled Code = "endpoint_stalled"
	TLSUntrusted    Code = "tls_untrusted"
	ACLNotSupported Code = "acl_not_supported"
)

// Codes lists every code, for documentation and exhaustive tests.
var Codes = []Code{
	MissingKMSDecrypt, MissingKMSGenerateDataKey, KMSKeyDisabled,
	KMSKeyPendingDeletion, KMSKeyNotFound, KMSKeyWrongRegion, KMSThrottled,
	S3AccessDenied, BucketNotFound, WrongRegion, CredentialsMissing,
	CredentialsExpired, CredentialsInvalid, ClockSkewed, EndpointUnreachable,
	TLSUntrusted, ACLNotSupported, EndpointStalled,
}

// Transient reports whether the cause can pass by itself, so that running
// the same command again later may succeed with nothing changed: KMS
// throttling and an unreachable or stalled endpoint. Every other code needs a change
// (a permission, a key, a flag, the credentials, the clock) first. The
// engine (whether to stop the upload) and the CLI (exit 4, not 3) both ask
// here.
func (c Code) Transient() bool {
	return c == KMSThrottled || c == EndpointUnreachable || c == EndpointStalled
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
	// Endpoint and Service name what could not be reached or trusted
	// (endpoint_unreachable, tls_untrusted): "https://s3.example.com", "S3".
	Endpoint string `json:"-"`
	Service  string `json:"-"`
	// Action is the permission a denial is known to be about, when it is
	// not a KMS one the code names (e.g. "s3:PutObjectTagging").
	Action string `json:"-"`
}

func (d *Diagnosis) Error() string {
	if d.Message != "" {
		return string(d.Code) + ": " + d.Message
	}
	return string(d.Code)
}

func (d *Diagnosis) Unwrap() error { return d.Err }

// Transient reports whether this failure can pass by itself: a transient
// code, or credentials that expired while a multipart upload was under way
// (UploadID set), which the upload kept: refreshed credentials resume it.
// Credentials that expired before anything was sent are a plain fix-and-
// rerun.
func (d *Diagnosis) Transient() bool {
	return d.Code.Transient() || d.Code == CredentialsExpired && d.UploadID != ""
}
