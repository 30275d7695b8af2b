package diagnose

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/uploader-dev/uploader/internal/awshost"
)

// Each explainX fills Code, What, Why and Remedy of d and reports whether it
// could explain the error. Classify adds the evidence sentence.

func partOps(op string) bool {
	return op == "UploadPart" || op == "UploadPartCopy" || op == "CompleteMultipartUpload"
}

func createOps(op string) bool {
	return op == "CreateMultipartUpload" || op == "PutObject" || op == "CopyObject"
}

// where names the operation and part: "UploadPart (part 2 of 5)".
func where(d *Diagnosis) string {
	s := orUnknown(d.Operation, "The request")
	switch {
	case d.Part > 0 && d.Parts > 0:
		s += fmt.Sprintf(" (part %d of %d)", d.Part, d.Parts)
	case d.Part > 0:
		s += fmt.Sprintf(" (part %d)", d.Part)
	}
	return s
}

func statusText(f facts) string {
	if s := StatusText(f.status, f.code); s != "" {
		return s
	}
	return "no response"
}

// StatusText says what an answer carried: "HTTP 403 AccessDenied"; with a
// status and no error code (no body, or one the SDK could not read, as
// proxies and emulators send) "HTTP 403 Forbidden, no error code"; the
// code alone; "" when there was no answer.
func StatusText(status int, code string) string {
	switch {
	case status != 0 && code != "":
		return fmt.Sprintf("HTTP %d %s", status, code)
	case status != 0:
		s := fmt.Sprintf("HTTP %d", status)
		if t := http.StatusText(status); t != "" {
			s += " " + t
		}
		return s + ", no error code"
	}
	return code
}

func awsSays(f facts) string {
	if f.msg == "" {
		return ""
	}
	return fmt.Sprintf("AWS says: %q.", f.msg)
}

func explainDenied(d *Diagnosis, f facts, c Context, sessionARN string) bool {
	sess := ""
	if sessionARN != "" && sessionARN != d.Principal {
		sess = fmt.Sprintf(" (session %s)", sessionARN)
	}
	denied := fmt.Sprintf("%s was denied (%s) for %s%s.", where(d), statusText(f), orUnknown(d.Principal, "the caller"), sess)

	if f.service == "STS" || f.service == "IAM" {
		return false // preflight's own lookups: reported as skipped there
	}
	if f.service == "S3" && f.op == "ListObjectsV2" {
		return explainListDenied(d, f, c, denied)
	}
	if len(c.MissingActions) > 0 {
		missing := c.MissingActions
		if e := f.enh; e != nil && slices.Contains(missing, e.Action) {
			missing = []string{e.Action} // AWS said which
		}
		d.Code, d.Action = S3AccessDenied, strings.Join(missing, " or ")
		d.What = joinSentences(denied, awsSays(f))
		d.Why = fmt.Sprintf("S3 allowed the same request without the headers that need %s, so that permission is what is missing (or a policy denies it).", d.Action)
		d.Remedy = s3Remedy(d, Context{Bucket: c.Bucket, ObjectKey: c.ObjectKey}, false)
		return true
	}
	if e := f.enh; e != nil {
		if !strings.HasPrefix(e.Action, "kms:") && !strings.HasPrefix(e.Action, "s3:") {
			return false // not an action of the upload path
		}
		if e.explicitDeny() {
			// An Allow cannot override a Deny: say so instead of handing out
			// statements that would not help.
			d.Code = S3AccessDenied
			if strings.HasPrefix(e.Action, "kms:Decrypt") {
				d.Code = MissingKMSDecrypt
			} else if strings.HasPrefix(e.Action, "kms:GenerateDataKey") {
				d.Code = MissingKMSGenerateDataKey
			}
			d.What = joinSentences(denied, awsSays(f))
			d.Why = fmt.Sprintf("AWS reports an explicit deny (%s) for %s; an explicit Deny overrides every Allow.", e.Reason, e.Action)
			d.Remedy = fmt.Sprintf("Find and change the Deny that matches %s on %s: %s. Adding Allow statements will not help.", e.Action, orUnknown(e.Resource, "the resource"), e.Reason)
			d.Rerun = true
			return true
		}
		switch {
		case e.Action == "kms:Decrypt":
			return explainMissingDecrypt(d, f, c, denied, "AWS's message names kms:Decrypt, which settles it.")
		case strings.HasPrefix(e.Action, "kms:GenerateDataKey"):
			return explainMissingGDK(d, f, denied, "AWS's message names kms:GenerateDataKey, which settles it.")
		case strings.HasPrefix(e.Action, "kms:"):
			return false // another KMS call (DescribeKey, ...): the caller decides what that means
		default:
			d.Code, d.Action = S3AccessDenied, e.Action
			d.What = joinSentences(denied, awsSays(f))
			d.Why = fmt.Sprintf("AWS's message names %s, so the denial is on the S3 side, not KMS.", e.Action)
			d.Remedy = s3Remedy(d, c, false)
			return true
		}
	}

	switch {
	case f.service == "KMS":
		// A direct KMS call (preflight): the operation is the action.
		switch {
		case f.op == "Decrypt":
			return explainMissingDecrypt(d, f, c, denied, "The denied request was kms:Decrypt itself.")
		case strings.HasPrefix(f.op, "GenerateDataKey"):
			return explainMissingGDK(d, f, denied, "The denied request was kms:GenerateDataKey itself.")
		}
		return false
	case partOps(f.op) && c.kms() && (c.MultipartCreated || c.UploadID != ""):
		return explainPartDenied(d, f, c, denied)
	case createOps(f.op) && c.kms():
		if c.Hint == MissingKMSGenerateDataKey {
			return explainMissingGDK(d, f, denied, "Preflight's KMS round trip was denied kms:GenerateDataKey as well, which confirms it.")
		}
		d.Code = S3AccessDenied
		d.What = joinSentences(denied, awsSays(f))
		d.Why = joinSentences(fmt.Sprintf("With SSE-KMS, %s needs two permissions: s3:PutObject on the object, and kms:GenerateDataKey on the key (%s), which S3 calls as the requester to create the object's data key. S3 answers a missing one of either with the same bare AccessDenied, so the error alone does not tell which; a preflight does.", orUnknown(f.op, "the upload"), orUnknown(d.Key, "key unknown")), headerWhy(c))
		d.Remedy = s3Remedy(d, c, true)
		return true
	default:
		d.Code = S3AccessDenied
		d.What = joinSentences(denied, awsSays(f))
		why := "The request does not use SSE-KMS, so KMS is not involved: the caller lacks the S3 permission, or a bucket policy, service control policy or permission boundary denies it."
		if c.kms() {
			why = "This operation does not make S3 call KMS, so the S3 permission is missing or a bucket policy, service control policy or permission boundary denies it."
		} else if partOps(f.op) && c.SSE == "" {
			why += " If the bucket's default encryption is SSE-KMS, a missing kms:Decrypt would look the same: a preflight tells them apart."
		}
		if createOps(f.op) {
			why = joinSentences(why, headerWhy(c))
		}
		d.Why = why
		d.Remedy = s3Remedy(d, c, false)
		return true
	}
}

// headerWhy names the permissions the request's tags and ACL need, which a
// bare AccessDenied may be about too.
func headerWhy(c Context) string {
	a := c.headerActions()
	if len(a) == 0 {
		return ""
	}
	return fmt.Sprintf("The request also carries %s, which S3 checks as %s: a missing one of these is denied the same way.", strings.Join(headerNames(c), " and "), strings.Join(a, " and "))
}

func headerNames(c Context) []string {
	var h []string
	if c.Tagging {
		h = append(h, "tags")
	}
	if c.ACL {
		h = append(h, "an ACL")
	}
	return h
}

func explainMissingDecrypt(d *Diagnosis, f facts, c Context, denied, certainty string) bool {
	d.Code = MissingKMSDecrypt
	d.What = joinSentences(denied, awsSays(f))
	if f.service == "KMS" {
		d.Why = joinSentences(certainty, "An SSE-KMS multipart upload needs kms:Decrypt: for every part S3 calls kms:Decrypt as the requester to reopen the data key generated at CreateMultipartUpload. A single PutObject needs only kms:GenerateDataKey, so small files (one request) upload fine while big ones (multipart) fail on the first part.")
	} else {
		d.Why = joinSentences(
			fmt.Sprintf("CreateMultipartUpload succeeded, so kms:GenerateDataKey is allowed. For each part S3 must call kms:Decrypt on the key (%s) as the requester, to reopen the upload's data key; a single PutObject needs only kms:GenerateDataKey. That is why small files (one request) upload fine while big ones (multipart) fail on the first part.", orUnknown(d.Key, "key unknown")),
			certainty)
	}
	d.Remedy = kmsRemedy(d, "kms:Decrypt")
	return true
}

func explainMissingGDK(d *Diagnosis, f facts, denied, certainty string) bool {
	d.Code = MissingKMSGenerateDataKey
	d.What = joinSentences(denied, awsSays(f))
	d.Why = joinSentences(certainty, fmt.Sprintf("Every SSE-KMS upload starts with S3 calling kms:GenerateDataKey on the key (%s) as the requester, to make the object's data key: PutObject for small files, CreateMultipartUpload for big ones. Without it no SSE-KMS upload with this key can start. (Multipart uploads also need kms:Decrypt.)", orUnknown(d.Key, "key unknown")))
	d.Remedy = kmsRemedy(d, "kms:GenerateDataKey")
	return true
}

func explainThrottled(d *Diagnosis, f facts) bool {
	d.Code = KMSThrottled
	d.What = joinSentences(fmt.Sprintf("%s was throttled by KMS (%s).", where(d), statusText(f)), awsSays(f))
	d.Why = "KMS limits cryptographic requests per second per account and region; without S3 Bucket Keys every part of an SSE-KMS upload is a KMS request, and other workloads share the quota. This is transient and retried with backoff."
	d.Remedy = "Retry (the uploader backs off and retries by itself). If it persists: lower the upload concurrency, enable S3 Bucket Keys (bucket setting, or x-amz-server-side-encryption-bucket-key-enabled) so S3 calls KMS far less often, or ask for a higher KMS request quota in Service Quotas."
	return true
}

func explainDisabled(d *Diagnosis, f facts) bool {
	d.Code = KMSKeyDisabled
	d.What = joinSentences(fmt.Sprintf("%s failed: the KMS key %s is disabled (%s).", where(d), orUnknown(d.Key, "in use"), statusText(f)), awsSays(f))
	d.Why = "A disabled key cannot be used for GenerateDataKey or Decrypt, so S3 can neither start nor continue an SSE-KMS upload with it. Parts uploaded before the key was disabled are kept."
	d.Remedy = fmt.Sprintf("Enable the key (needs kms:EnableKey; ask the key's administrator): `aws kms enable-key --key-id %s`.", orUnknown(d.Key, "KEY"))
	d.Rerun = true
	return true
}

func explainInvalidState(d *Diagnosis, f facts) bool {
	d.Code = KMSKeyPendingDeletion
	k := orUnknown(d.Key, "KEY")
	m := strings.ToLower(f.msg)
	d.What = joinSentences(fmt.Sprintf("%s failed: the KMS key %s is not in a usable state (%s).", where(d), orUnknown(d.Key, "in use"), statusText(f)), awsSays(f))
	switch {
	case strings.Contains(m, "pendingimport") || strings.Contains(m, "pending import"):
		d.Why = "The key is waiting for its key material to be imported; until then KMS refuses to use it."
		d.Remedy = fmt.Sprintf("Import the key material (aws kms get-parameters-for-import, then aws kms import-key-material --key-id %s ...), or use another key.", k)
		d.Rerun = true
	case strings.Contains(m, "pendingdeletion") || strings.Contains(m, "pending deletion"):
		d.Why = "The key is scheduled for deletion; KMS refuses to use it during the waiting period, and after it the key and every object encrypted under it are unrecoverable."
		d.Remedy = fmt.Sprintf("If the key is still needed, cancel the deletion and re-enable it (needs kms:CancelKeyDeletion and kms:EnableKey): `aws kms cancel-key-deletion --key-id %s && aws kms enable-key --key-id %s`. Otherwise use another key.", k, k)
		d.Rerun = true
	default:
		d.Why = "The key is pending deletion or pending import of its key material; KMS refuses to use it in either state."
		d.Remedy = fmt.Sprintf("Check the state: `aws kms describe-key --key-id %s --query KeyMetadata.KeyState`. PendingDeletion: `aws kms cancel-key-deletion --key-id %s && aws kms enable-key --key-id %s`. PendingImport: import the key material. Or use another key.", k, k, k)
		d.Rerun = true
	}
	return true
}

func explainKeyNotFound(d *Diagnosis, f facts, c Context) bool {
	keyRegion := ""
	if m := invalidArnRegionRE.FindStringSubmatch(f.msg); m != nil {
		keyRegion = m[1]
	} else if r := regionOf(d.Key); r != "" && c.Region != "" && r != c.Region {
		keyRegion = r
	}
	if keyRegion != "" && keyRegion != c.Region || keyRegion != "" && c.Region == "" {
		d.Code = KMSKeyWrongRegion
		d.What = joinSentences(fmt.Sprintf("%s failed: the KMS key %s is in region %s, but the request went to %s (%s).", where(d), orUnknown(d.Key, "in use"), keyRegion, orUnknown(c.Region, "another region"), statusText(f)), awsSays(f))
		d.Why = "S3 can only use a KMS key in the bucket's own region."
		d.Remedy = fmt.Sprintf("Use a key in %s: create one there, or replicate a multi-Region key (`aws kms replicate-key --key-id %s --replica-region %s`), and pass its ARN.", orUnknown(c.Region, "the bucket's region"), orUnknown(d.Key, "KEY"), orUnknown(c.Region, "REGION"))
		d.Rerun = true
		return true
	}
	d.Code = KMSKeyNotFound
	d.What = joinSentences(fmt.Sprintf("%s failed: KMS found no key %s (%s).", where(d), orUnknown(d.Key, "for the id given"), statusText(f)), awsSays(f))
	d.Why = "The key id, alias or ARN does not name a key this caller can see in this region. An alias or bare key id resolves in the caller's own account, so a key in another account must be given by its full key ARN; a key of another region is not found either."
	d.Remedy = fmt.Sprintf("Check the key: `aws kms describe-key --key-id %s --region %s`. For a key in another account, pass the full key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), not an alias.", orUnknown(d.Key, "KEY"), orUnknown(c.Region, "REGION"))
	d.Rerun = true
	return true
}

func explainNoBucket(d *Diagnosis, f facts, c Context) bool {
	d.Code = BucketNotFound
	b := orUnknown(c.Bucket, "BUCKET")
	d.What = joinSentences(fmt.Sprintf("%s failed: the bucket %s does not exist (%s).", where(d), b, statusText(f)), awsSays(f))
	d.Why = "S3 has no bucket by that name (a typo, a deleted bucket, or an endpoint that is not the one holding it)."
	d.Remedy = fmt.Sprintf("Check the bucket name and endpoint: `aws s3api head-bucket --bucket %s`.", b)
	d.Rerun = true
	return true
}

func explainWrongRegion(d *Diagnosis, f facts, c Context, region string) bool {
	d.Code = WrongRegion
	b := orUnknown(c.Bucket, "the bucket")
	in := "another region"
	if region != "" {
		in = region
	}
	d.What = joinSentences(fmt.Sprintf("%s failed: %s is in %s, but the request was sent to %s (%s).", where(d), b, in, orUnknown(c.Region, "a different region"), statusText(f)), awsSays(f))
	d.Why = "S3 answers requests for a bucket only at the bucket's regional endpoint, and signatures are region-specific."
	if region != "" {
		d.Remedy = fmt.Sprintf("Use region %s (AWS_REGION=%s or the client's region), and a KMS key in %s.", region, region, region)
		d.Rerun = true
	} else {
		d.Remedy = fmt.Sprintf("Find the bucket's region: `aws s3api head-bucket --bucket %s` (header x-amz-bucket-region) and use it (AWS_REGION or the client's region), with a KMS key in that region.", orUnknown(c.Bucket, "BUCKET"))
	}
	return true
}

func explainCredentials(d *Diagnosis, err error, expired bool) bool {
	if expired {
		d.Code = CredentialsExpired
		d.What = fmt.Sprintf("%s was not authorized: the AWS credentials have expired (%v).", where(d), err)
		d.Why = "Temporary credentials (SSO sessions, assumed roles, session tokens) are valid only for a limited time."
		d.Remedy = "Refresh them: `aws sso login` for an SSO profile, assume the role again, or renew the session token; check with `aws sts get-caller-identity`."
		d.Rerun = true
		return true
	}
	d.Code = CredentialsMissing
	d.What = fmt.Sprintf("%s was not sent: no AWS credentials could be found or loaded (%v).", where(d), err)
	d.Why = "The SDK looks for credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the shared config and credentials files (AWS_PROFILE), SSO, web identity, and the ECS/EC2 instance role; none of them produced credentials."
	d.Remedy = "Configure credentials: set AWS_PROFILE to a configured profile (`aws configure` or `aws configure sso`), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role is attached. Check with `aws sts get-caller-identity`."
	d.Rerun = true
	return true
}

func explainInvalidCredentials(d *Diagnosis, f facts, u *url.URL) bool {
	d.Code = CredentialsInvalid
	d.What = joinSentences(fmt.Sprintf("%s was rejected: the endpoint does not accept these credentials (%s).", where(d), statusText(f)), awsSays(f))
	switch {
	case awshost.ForeignSignature(d.Endpoint, f.code):
		explainForeignSignature(d, f, u)
	case awshost.SignatureRefused(f.code):
		d.Why = "The request's signature did not verify: the secret access key does not belong to the access key id (a mistyped or rotated secret), or something between this machine and AWS (a proxy) changed the request."
		d.Remedy = "Set the secret access key that belongs to the access key id (AWS_SECRET_ACCESS_KEY, or the profile's aws_secret_access_key); check with `aws sts get-caller-identity` under the same profile and environment."
		d.Rerun = true
	case f.code == "MissingAuthenticationToken" || f.code == "MissingAuthenticationTokenException":
		d.Code = CredentialsMissing
		d.Why = "The request was sent unsigned (anonymous credentials), which this service does not accept."
		d.Remedy = "Configure credentials: set AWS_PROFILE to a configured profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; check with `aws sts get-caller-identity`."
		d.Rerun = true
	default:
		d.Why = "The service does not recognise the access key id or session token: the key was deleted or deactivated, belongs to another partition or endpoint, or the session token does not belong to the key."
		d.Remedy = "Configure a valid access key (and its session token, for temporary credentials); check with `aws sts get-caller-identity` under the same profile and environment."
		d.Rerun = true
	}
	return true
}

// explainForeignSignature is a signature refused by an endpoint that is not
// AWS (an S3-compatible server, an emulator, a proxy): the client cannot
// tell a wrong secret from a server that computes the signature over
// another form of the request, so it names what was rejected and every
// likely cause.
func explainForeignSignature(d *Diagnosis, f facts, u *url.URL) {
	says := ""
	if f.msg != "" {
		says = fmt.Sprintf("The server says: %q.", f.msg)
	}
	d.What = joinSentences(fmt.Sprintf("%s was rejected by %s, which is not an AWS endpoint: the signature it computed for the request differs from the one sent (%s).", where(d), d.Endpoint, statusText(f)), says)
	enc := ""
	if u != nil && (strings.Contains(u.EscapedPath(), "%") || strings.Contains(u.RawQuery, "%")) {
		enc = fmt.Sprintf(" This request's URL has percent-encoded characters (%s), which some servers and proxies canonicalize differently from AWS.", shortURL(u))
	}
	d.Why = "Possible causes, which the client cannot tell apart: the secret access key does not belong to the access key id; " +
		"the server, or a proxy in between, computes the signature over a different form of the request than AWS does (percent-encoded characters in the key or the query, such as a prefix ending in \"/\", \"+\", spaces or non-ASCII, are a common trigger); " +
		"a proxy changed a signed header or the body; or the clocks differ, which some servers report as a signature mismatch." + enc
	d.Remedy = "Try a plain request to the same endpoint with the same credentials (for example `aws s3 ls s3://BUCKET --endpoint-url " + d.Endpoint + "`): if it fails too, set the secret access key that belongs to the access key id and check this machine's clock; " +
		"if it works and only some keys or prefixes fail, the server mis-verifies those signatures: avoid those characters (a prefix without the trailing \"/\"), or fix or upgrade the server or proxy."
	d.Rerun = true
}

// shortURL is the path and query of u, cut to a readable length.
func shortURL(u *url.URL) string {
	s := u.EscapedPath()
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func explainClockSkew(d *Diagnosis, f facts) bool {
	d.Code = ClockSkewed
	d.What = joinSentences(fmt.Sprintf("%s was rejected: its signing time is too far from the server's clock (%s), even after the SDK corrected its own clock offset where the server's Date header showed one.", where(d), statusText(f)), awsSays(f))
	d.Why = "AWS accepts a signed request only within 15 minutes of its own time. This machine's clock is wrong, or something in between hides the server's time from the SDK."
	d.Remedy = "Set this machine's clock right (enable time synchronisation: `timedatectl set-ntp true`, or `chronyc makestep`)."
	d.Rerun = true
	return true
}

func explainACLNotSupported(d *Diagnosis, f facts, c Context) bool {
	d.Code = ACLNotSupported
	d.What = joinSentences(fmt.Sprintf("%s was refused: the bucket %s has ACLs disabled (Object Ownership: bucket owner enforced), and the request carries an ACL (%s).", where(d), orUnknown(c.Bucket, "in use"), statusText(f)), awsSays(f))
	d.Why = "With ACLs disabled the bucket owner owns every object and S3 refuses requests that set any ACL other than bucket-owner-full-control."
	d.Remedy = "Drop the request's ACL (the bucket's policies decide access), or use the ACL bucket-owner-full-control; or have the bucket's owner enable ACLs (Object Ownership: BucketOwnerPreferred)."
	d.Rerun = true
	return true
}

// evidenceSentence lists the identifiers AWS support asks for.
func evidenceSentence(d *Diagnosis) string {
	var parts []string
	if d.RequestID != "" {
		parts = append(parts, "request id "+d.RequestID)
	}
	if d.HostID != "" {
		parts = append(parts, "S3 host id "+d.HostID)
	}
	if d.UploadID != "" {
		parts = append(parts, "upload id "+d.UploadID)
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, ", ")
	return "Evidence: " + s + "."
}
