// Package diagnosis defines the explained failure that the upload engine
// and preflight return: a stable Code for every failure they can explain,
// and the evidence and remedy that go with it. Package upload names the
// same types (upload.Diagnosis, upload.Code and the Code constants), so
// errors.As finds a *Diagnosis under either name. Codes appear in JSON
// output; never rename one.
//
// The texts are written for whoever runs the upload, not for one program:
// they name AWS settings and aws CLI commands, never this module's
// command-line flags. A program that wants to add its own words (its
// flags, "run the same command again") reads Rerun and PreflightTells.
package diagnosis

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
	TLSUntrusted              Code = "tls_untrusted"
	ACLNotSupported           Code = "acl_not_supported"
	// KMSDecryptOrS3Denied is a bare AccessDenied on a part of an SSE-KMS
	// multipart upload whose cause nothing could prove: most likely a
	// missing kms:Decrypt, otherwise a denial on S3's side. Both remedies
	// are given, the KMS one first.
	KMSDecryptOrS3Denied Code = "kms_decrypt_or_s3_denied"
	// ListDenied: the listing a set's skip decision reads (ListObjectsV2 of
	// the target prefix) was denied: s3:ListBucket is missing.
	ListDenied Code = "list_denied"
	// EndpointStalled: the connection was made, then moved no byte for
	// the stall window (the server or the path stopped reading or
	// answering), as often as the retry window allowed.
	EndpointStalled Code = "endpoint_stalled"
)

// Codes lists every code, for documentation and exhaustive tests.
var Codes = []Code{
	MissingKMSDecrypt, MissingKMSGenerateDataKey, KMSKeyDisabled,
	KMSKeyPendingDeletion, KMSKeyNotFound, KMSKeyWrongRegion, KMSThrottled,
	S3AccessDenied, BucketNotFound, WrongRegion, CredentialsMissing,
	CredentialsExpired, CredentialsInvalid, ClockSkewed, EndpointUnreachable,
	TLSUntrusted, ACLNotSupported, KMSDecryptOrS3Denied, ListDenied,
	EndpointStalled,
}

// Transient reports whether the cause can pass by itself, so that the same
// upload tried again later may succeed with nothing changed: KMS throttling
// and an unreachable endpoint. Every other code needs a change (a
// permission, a key, a setting, the credentials, the clock) first. The
// engine (whether to stop the upload) and the CLI (exit 4, not 3) both ask
// here.
func (c Code) Transient() bool {
	return c == KMSThrottled || c == EndpointUnreachable || c == EndpointStalled
}

// Diagnosis is a failure we can explain: what went wrong, where, for whom,
// and how to fix it. It is an error, so it travels up through the engine and
// the caller finds it with errors.As (var d *upload.Diagnosis, or
// *diagnosis.Diagnosis: the same type). The JSON fields are a stable
// contract; the others are evidence for Text.
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
	// For credentials_invalid, Endpoint is the one that refused them.
	Endpoint string `json:"-"`
	Service  string `json:"-"`
	// Action is the permission a denial is known to be about, when it is
	// not a KMS one the code names (e.g. "s3:PutObjectTagging").
	Action string `json:"-"`
	// Cause is, for endpoint_unreachable and tls_untrusted, why there was
	// no answer ("connection refused", the certificate error).
	Cause string `json:"-"`
	// Rerun is set when the remedy is a change to make (a permission, a
	// key's state, credentials, a setting) after which the same upload,
	// tried again, can succeed; a kept multipart upload is then resumed.
	// The texts do not say "try again" themselves: a program adds that in
	// its own words ("run the same command again").
	Rerun bool `json:"-"`
	// PreflightTells is set when the error alone cannot tell two causes
	// apart (S3 or KMS denied the same request) and a preflight
	// (package preflight), which checks S3 and KMS separately, can.
	PreflightTells bool `json:"-"`
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
