package diagnose

import (
	"fmt"
	"strings"
)

// Summary is one line for logs and the first line of Text, e.g.
// "UploadPart, part 2 of 5: missing kms:Decrypt on key K for principal P".
func (d *Diagnosis) Summary() string {
	var b strings.Builder
	b.WriteString(orUnknown(d.Operation, "request"))
	switch {
	case d.Part > 0 && d.Parts > 0:
		fmt.Fprintf(&b, ", part %d of %d", d.Part, d.Parts)
	case d.Part > 0:
		fmt.Fprintf(&b, ", part %d", d.Part)
	}
	b.WriteString(": ")
	key := orUnknown(d.Key, "(unknown key)")
	who := orUnknown(d.Principal, "(unknown principal)")
	switch d.Code {
	case MissingKMSDecrypt:
		fmt.Fprintf(&b, "missing kms:Decrypt on key %s for principal %s", key, who)
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
		b.WriteString(invalidSummary(d.ErrorCode))
	case ClockSkewed:
		b.WriteString("this machine's clock is too far from the server's")
	case EndpointUnreachable, TLSUntrusted, EndpointStalled:
		b.WriteString(netSummary(d))
	case ACLNotSupported:
		b.WriteString("the bucket has ACLs disabled: drop --acl")
	default:
		b.WriteString(string(d.Code))
	}
	fmt.Fprintf(&b, " [%s]", d.Code)
	return b.String()
}

// Text is the multi-line report the CLI prints: summary, what happened,
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

func invalidSummary(code string) string {
	switch code {
	case "SignatureDoesNotMatch", "IncompleteSignature", "IncompleteSignatureException", "InvalidSignatureException":
		return "AWS credentials rejected: the secret access key does not match the access key id"
	case "InvalidToken":
		return "AWS credentials rejected: the session token is not valid"
	}
	return "AWS credentials rejected: the access key id is not known to this endpoint"
}

// netSummary is the network line: "cannot reach http://127.0.0.1:1 (S3):
// connection refused". The cause is taken again from the error, so a
// hand-made diagnosis without one still reads well.
func netSummary(d *Diagnosis) string {
	nf, ok := netFailure{}, false
	if d.Err != nil {
		nf, ok = networkFailure(d.Err)
	}
	if !ok {
		nf = netFailure{endpoint: d.Endpoint, tls: d.Code == TLSUntrusted, stalled: d.Code == EndpointStalled, cause: "no answer"}
		if nf.tls {
			nf.cause = "certificate not trusted"
		}
	}
	return nf.line(d.Service)
}
