package diagnose

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Context describes the failed request.
type Context struct {
	Operation string // "UploadPart", "CreateMultipartUpload", "PutObject", "CompleteMultipartUpload", "UploadPartCopy", "HeadBucket", "GenerateDataKey", "Decrypt", ...
	Part      int32  // part number, for part operations
	Parts     int32  // planned total, for part operations
	SSE       string // "aws:kms", "aws:kms:dsse", "AES256" or ""; the effective encryption (bucket default when no header was sent)
	Key       string // KMS key ARN (or id/alias if unresolved) the request used
	Principal string // caller ARN from STS, "" if unknown
	Bucket    string
	ObjectKey string
	Region    string
	UploadID  string
	// MultipartCreated: CreateMultipartUpload of this upload succeeded (in
	// this run or, for a resumed upload, an earlier one).
	MultipartCreated bool
	// Hint is what preflight's KMS round trip learned ("" = nothing):
	// MissingKMSGenerateDataKey or MissingKMSDecrypt.
	Hint Code
	// Tagging and ACL say the request carried tags (x-amz-tagging) or an
	// ACL (x-amz-acl): S3 then also checks s3:PutObjectTagging or
	// s3:PutObjectAcl, and a denial may be about either.
	Tagging, ACL bool
	// MissingActions are S3 permissions preflight proved missing, one of
	// them at least (the same request was allowed without the headers that
	// need them), e.g. "s3:PutObjectTagging".
	MissingActions []string
	// Proof is what a KMS round trip made after a bare AccessDenied on a
	// part showed (ProofNone: not made). Without proof such a denial is
	// KMSDecryptOrS3Denied, never MissingKMSDecrypt.
	Proof Proof
	// ProofErr is why the round trip could not run (ProofFailed).
	ProofErr error
}

// headerActions are the permissions the request's optional headers need
// beyond s3:PutObject.
func (c Context) headerActions() []string {
	var a []string
	if c.Tagging {
		a = append(a, "s3:PutObjectTagging")
	}
	if c.ACL {
		a = append(a, "s3:PutObjectAcl")
	}
	return a
}

func (c Context) kms() bool { return strings.HasPrefix(c.SSE, "aws:kms") }

// facts is everything the error says, gathered once.
type facts struct {
	service, op string
	code, base  string // code as sent; without S3's "KMS." prefix
	status      int
	msg         string
	enh         *enhanced
}

func kmsOperation(op string) bool {
	switch op {
	case "Decrypt", "Encrypt", "ReEncrypt", "DescribeKey", "GetKeyPolicy",
		"GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ListAliases":
		return true
	}
	return strings.HasPrefix(op, "GenerateDataKey")
}

// Classify explains err, which c describes. It returns nil when err is not
// one we explain: cancellation, and transient errors other than KMS
// throttling and an unreachable endpoint (5xx, SlowDown, resets: those are
// retried, and described by Describe). Ask Diagnosis.Transient whether a
// diagnosis can pass by itself.
//
// The decision rests on the operation, the request's encryption, the HTTP
// status and the error code; S3 often says only "Access Denied". When AWS's
// enhanced message ("User: ... is not authorized to perform: kms:Decrypt on
// resource: ...") is present it decides the code and supplies the principal
// and key.
func Classify(err error, c Context) *Diagnosis {
	if err == nil {
		return nil
	}
	var done *Diagnosis
	if errors.As(err, &done) {
		return done // already explained further down the stack
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	f := facts{code: ErrorCode(err), status: HTTPStatus(err), msg: errorMessage(err)}
	f.base = baseCode(f.code)
	f.service, f.op = operationOf(err)
	if c.Operation != "" {
		f.op = c.Operation
	}
	if f.service == "" && kmsOperation(f.op) {
		f.service = "KMS"
	}
	f.enh = parseEnhanced(f.msg)

	d := &Diagnosis{
		Operation:  f.op,
		Part:       c.Part,
		Parts:      c.Parts,
		Principal:  pick(c.Principal, f.enh, func(e *enhanced) string { return e.Principal }),
		Key:        pickKey(c.Key, f.enh),
		UploadID:   c.UploadID,
		RequestID:  RequestID(err),
		HTTPStatus: f.status,
		ErrorCode:  f.code,
		HostID:     hostID(err),
		AWSMessage: f.msg,
		Err:        err,
	}
	sessionARN := d.Principal
	d.Principal = RoleARN(d.Principal)

	var ok bool
	switch {
	case credentialFailure(err):
		// First: a failed AssumeRole in the chain carries STS's own 403,
		// which must not be read as a denial of the S3 or KMS call.
		ok = explainCredentials(d, err, expiredCredentialFailure(err))
	case f.status == 0 && f.code == "":
		// No answer at all: the endpoint could not be reached or trusted.
		if nf, isNet := networkFailure(err); isNet && nf.tls {
			ok = explainUntrusted(d, f, nf)
		} else if isNet {
			ok = explainUnreachable(d, f, nf)
		}
	case expiredCodes[f.code]:
		ok = explainCredentials(d, err, true)
	case clockSkew(f):
		ok = explainClockSkew(d, f)
	case credentialsRefused(f.code):
		u := requestURL(err)
		if u != nil {
			d.Endpoint = u.Scheme + "://" + u.Host
		}
		ok = explainInvalidCredentials(d, f, u)
	case f.code == "AccessControlListNotSupported":
		ok = explainACLNotSupported(d, f, c)
	case f.base == "ThrottlingException" && (f.service == "KMS" || f.code != f.base):
		ok = explainThrottled(d, f)
	case f.base == "DisabledException":
		ok = explainDisabled(d, f)
	case f.base == "KMSInvalidStateException":
		ok = explainInvalidState(d, f)
	case f.code == "KMS.NotFoundException" || (f.code == "NotFoundException" && f.service == "KMS"):
		ok = explainKeyNotFound(d, f, c)
	case f.code == "NoSuchBucket" || (f.op == "HeadBucket" && f.status == http.StatusNotFound):
		ok = explainNoBucket(d, f, c)
	case f.code == "PermanentRedirect" || f.status == http.StatusMovedPermanently ||
		f.code == "IllegalLocationConstraintException" ||
		(f.code == "AuthorizationHeaderMalformed" && bucketRegion(err, f) != ""):
		ok = explainWrongRegion(d, f, c, bucketRegion(err, f))
	case IsAccessDenied(err):
		ok = explainDenied(d, f, c, sessionARN)
	}
	if !ok {
		return nil
	}
	d.Message = joinSentences(d.What, evidenceSentence(d), d.Why)
	return d
}

func pick(have string, e *enhanced, get func(*enhanced) string) string {
	if have != "" || e == nil {
		return have
	}
	return get(e)
}

// pickKey prefers AWS's own word on the key (a full key ARN) over what the
// caller passed, which may be an alias or a key id.
func pickKey(have string, e *enhanced) string {
	if e != nil && isKMSKeyARN(e.Resource) && !isKMSKeyARN(have) {
		return e.Resource
	}
	return have
}

// bucketRegion finds the bucket's real region: S3 sends x-amz-bucket-region
// on redirects and region errors; AuthorizationHeaderMalformed says
// "expecting 'REGION'".
func bucketRegion(err error, f facts) string {
	if h := responseHeader(err); h != nil {
		if r := h.Get("X-Amz-Bucket-Region"); r != "" {
			return r
		}
	}
	if m := regionInMessageRE.FindStringSubmatch(f.msg); m != nil {
		return m[1]
	}
	return ""
}

func joinSentences(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}
