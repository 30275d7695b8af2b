package diagnosis

import (
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/awshost"
	"github.com/uploader-dev/uploader/internal/netline"
)

// Summary is one line for logs and the first line of Text, e.g.
// "UploadPart, part 2 of 5: missing kms:Decrypt on key K for principal P
// [missing_kms_decrypt]": the operation, the Problem and the code.
func (d *Diagnosis) Summary() string {
	var b strings.Builder
	b.WriteString(orUnknown(d.Operation, "request"))
	switch {
	case d.Part > 0 && d.Parts > 0:
		fmt.Fprintf(&b, ", part %d of %d", d.Part, d.Parts)
	case d.Part > 0:
		fmt.Fprintf(&b, ", part %d", d.Part)
	}
	fmt.Fprintf(&b, ": %s [%s]", d.Problem(), d.Code)
	return b.String()
}

// Problem is what is wrong, in a few words, as Summary says it without
// the operation and the code: for a report whose rows carry those apart.
func (d *Diagnosis) Problem() string {
	var b strings.Builder
	key := orUnknown(d.Key, "(unknown key)")
	who := orUnknown(d.Principal, "(unknown principal)")
	switch d.Code {
	case MissingKMSDecrypt:
		fmt.Fprintf(&b, "missing kms:Decrypt on key %s for principal %s", key, who)
	case KMSDecryptOrS3Denied:
		fmt.Fprintf(&b, "access denied for principal %s: most likely missing kms:Decrypt on key %s, else an S3-side denial (not proven)", who, key)
	case MissingKMSGenerateDataKey:
		fmt.Fprintf(&b, "missing kms:GenerateDataKey on key %s for principal %s", key, who)
	case KMSKeyDisabled:
		fmt.Fprintf(&b, "KMS key %s is disabled", key)
	case KMSKeyPendingDeletion:
		fmt.Fprintf(&b, "KMS key %s is pending deletion or import", key)
	case KMSKeyNotFound:
		fmt.Fprintf(&b, "KMS key %s not found", key)
	case KMSKeyWrongRegion:
		fmt.Fprintf(&b, "KMS key %s is in another region than the bucket", key)
	case KMSThrottled:
		b.WriteString("throttled by KMS")
	case S3AccessDenied:
		if d.Action != "" {
			fmt.Fprintf(&b, "missing %s for principal %s", d.Action, who)
		} else {
			fmt.Fprintf(&b, "access denied for principal %s", who)
		}
	case BucketNotFound:
		b.WriteString("bucket not found")
	case WrongRegion:
		b.WriteString("bucket is in another region")
	case CredentialsMissing:
		b.WriteString("no AWS credentials found")
	case CredentialsExpired:
		b.WriteString("AWS credentials expired")
	case CredentialsInvalid:
		b.WriteString(invalidSummary(d))
	case ClockSkewed:
		b.WriteString("this machine's clock is too far from the server's")
	case EndpointUnreachable, TLSUntrusted, EndpointStalled:
		b.WriteString(netSummary(d))
	case ACLNotSupported:
		b.WriteString("the bucket has ACLs disabled and the request sets an ACL")
	case ListDenied:
		fmt.Fprintf(&b, "missing s3:ListBucket for principal %s", who)
	default:
		b.WriteString(string(d.Code))
	}
	return b.String()
}

// Text is the multi-line report for people: summary, what happened,
// evidence, why, and the remedy.
func (d *Diagnosis) Text() string {
	var b strings.Builder
	b.WriteString(d.Summary())
	b.WriteString("\n")
	what := d.What
	if what == "" && d.Why == "" {
		what = d.Message // built by hand, not by Classify
	}
	if what != "" {
		b.WriteString("\nWhat happened: " + what + "\n")
	}
	var ev []string
	add := func(k, v string) {
		if v != "" {
			ev = append(ev, fmt.Sprintf("  %-14s %s", k+":", v))
		}
	}
	add("operation", d.Operation)
	add("principal", d.Principal)
	add("KMS key", d.Key)
	if d.HTTPStatus != 0 {
		add("HTTP status", fmt.Sprint(d.HTTPStatus))
	}
	add("error code", d.ErrorCode)
	add("request id", d.RequestID)
	add("S3 host id", d.HostID)
	add("upload id", d.UploadID)
	if len(ev) > 0 {
		b.WriteString("\nEvidence:\n" + strings.Join(ev, "\n") + "\n")
	}
	if d.Why != "" {
		b.WriteString("\nWhy: " + d.Why + "\n")
	}
	if d.Remedy != "" {
		b.WriteString("\nFix:\n" + d.Remedy + "\n")
	}
	return b.String()
}

func invalidSummary(d *Diagnosis) string {
	switch {
	case awshost.ForeignSignature(d.Endpoint, d.ErrorCode):
		return "request signature rejected by " + d.Endpoint + " (not AWS): a wrong secret key, or a server or proxy that canonicalizes the request differently"
	case awshost.SignatureRefused(d.ErrorCode):
		return "AWS credentials rejected: the secret access key does not match the access key id"
	case d.ErrorCode == "InvalidToken":
		return "AWS credentials rejected: the session token is not valid"
	}
	return "AWS credentials rejected: the access key id is not known to this endpoint"
}

// netSummary is the network line: "cannot reach http://127.0.0.1:1 (S3):
// connection refused". A hand-made diagnosis without a Cause still reads
// well.
func netSummary(d *Diagnosis) string {
	tls := d.Code == TLSUntrusted
	cause := d.Cause
	switch {
	case cause != "":
	case tls:
		cause = "certificate not trusted"
	case d.Code == EndpointStalled:
		cause = "stalled"
	default:
		cause = "no answer"
	}
	return netline.Line(d.Endpoint, d.Service, tls, d.Code == EndpointStalled, cause)
}

func orUnknown(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}
