package preflight

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/kmsprobe"
)

type rtOutcome int

const (
	rtNotRun        rtOutcome = iota // skipped; the row says why
	rtOK                             // both calls allowed, data keys match
	rtGDKDenied                      // GenerateDataKey denied (Decrypt not tried)
	rtDecryptDenied                  // GenerateDataKey allowed, Decrypt denied
	rtFailed                         // a verdict of its own (key state, mismatch): FAIL
	rtError                          // could not run (network, 5xx): SKIP
)

type rtResult struct {
	outcome rtOutcome
	err     error // the denial or failure
	row     int   // index of the row, for reconcile
}

// encryptionContext is exactly what S3 sends KMS for this object
// (AWS-NOTES.md, "Encryption context").
func (r *run) encryptionContext() map[string]string {
	return kmsprobe.S3Context(r.partition, r.o.Bucket, r.o.Key, r.bucketKey, r.o.SSE.Context)
}

// roundTrip calls GenerateDataKey and Decrypt directly, as S3 will call
// them for the upload, and compares the plaintexts. Its row is provisional:
// reconcile revises it with what the canary learned.
func (r *run) roundTrip(ctx context.Context) {
	c := Check{Name: CheckRoundTrip}
	switch {
	case !r.kms || r.sseUnknown:
		c.Status, c.Detail = Skip, "not SSE-KMS, or the key is unknown (see key)"
	case r.noCreds:
		c.Status, c.Detail = Skip, r.noCredsWhy
	case r.keyBad:
		c.Status, c.Detail = Skip, "not run: the key cannot be used (see key)"
	case r.awsManaged || r.keyID == awsS3Alias:
		// The aws/s3 key policy allows use only through S3 (kms:ViaService
		// and kms:CallerAccount): a direct call is always denied and would
		// prove nothing. The canary goes through S3.
		c.Status, c.Detail = Skip, "AWS managed key: usable only through S3 (kms:ViaService), so a direct round trip proves nothing; the canary checks it"
	case r.down["KMS"] != nil:
		c.Status, c.Detail = Skip, "not run: "+netLine(r.down["KMS"])+" (see key); the canary tests KMS through S3"
	case r.requests+2 > MaxRequests:
		c.Status, c.Detail = Skip, budgetSkip
	default:
		c = r.doRoundTrip(ctx)
		if ctx.Err() != nil {
			return
		}
	}
	r.rt.row = r.add(c)
}

func (r *run) doRoundTrip(ctx context.Context) Check {
	c := Check{Name: CheckRoundTrip}
	ec := r.encryptionContext()
	ecText := contextText(ec)
	if !r.bkKnown {
		ecText += " (bucket-key setting unknown: assumed off)"
	}
	// The budget was checked for both calls (roundTrip).
	res := kmsprobe.RoundTrip(ctx, r.c.KMS, r.keyARN, ec, r.kmsOpts()...)
	r.requests += res.Calls
	if ctx.Err() != nil {
		return c
	}
	switch res.Outcome {
	case kmsprobe.Mismatch:
		r.rt.outcome = rtFailed
		c.Status = Fail
		c.Detail = "Decrypt returned a different data key than GenerateDataKey made (" + ecText + "): KMS (or something in between) is not working as S3 needs"
		c.Remedy = "Check the KMS endpoint (AWS_ENDPOINT_URL_KMS, proxies) and retry; report it with the SDK's request log (debug logging) if it persists."
		return c
	case kmsprobe.OK:
	default:
		return r.rtFailure(res.Op, res.Err, ecText)
	}
	r.rt.outcome = rtOK
	c.Status = Pass
	c.Detail = "GenerateDataKey and Decrypt allowed with context " + ecText + "; data keys match"
	return c
}

// rtFailure turns a failed round-trip call into its provisional row.
func (r *run) rtFailure(op string, err error, ecText string) Check {
	c := Check{Name: CheckRoundTrip}
	r.rt.err = err
	d := diagnose.Classify(err, r.diagContext(op))
	switch {
	case diagnose.IsAccessDenied(err) && op == "GenerateDataKey":
		r.rt.outcome = rtGDKDenied
		c.Status, c.Code = Fail, diagnose.MissingKMSGenerateDataKey
		c.Detail = fmt.Sprintf("kms:GenerateDataKey denied for %s on %s with context %s (%s)", orDash(r.principal), r.keyARN, ecText, evidence(op, err))
	case diagnose.IsAccessDenied(err):
		r.rt.outcome = rtDecryptDenied
		c.Status, c.Code = Fail, diagnose.MissingKMSDecrypt
		c.Detail = fmt.Sprintf("kms:GenerateDataKey allowed, kms:Decrypt denied for %s on %s with context %s (%s)", orDash(r.principal), r.keyARN, ecText, evidence(op, err))
	case d != nil && !d.Code.Transient() && d.Code != diagnose.TLSUntrusted:
		// Key state, key not found, credentials: a verdict of its own. (An
		// untrusted KMS endpoint is not: the upload never calls KMS itself.)
		r.rt.outcome = rtFailed
		c.Status, c.Code = Fail, d.Code
		c.Detail = fmt.Sprintf("%s failed on %s (%s)", op, r.keyARN, evidence(op, err))
	default:
		r.rt.outcome = rtError
		c.Status = Skip
		c.Detail = fmt.Sprintf("could not complete the round trip: %s", evidence(op, err))
		if nd, ok := r.noAnswer(op, err); ok {
			c.Code = nd.Code
		}
	}
	if d != nil {
		c.Remedy = d.Remedy
		c.Rerun = d.Rerun
	}
	if c.Status == Skip {
		c.Remedy, c.Rerun = "", false
	}
	return c
}

// contextText renders the context as JSON, keys sorted (encoding/json sorts
// map keys), for the evidence line.
func contextText(ec map[string]string) string {
	b, _ := json.Marshal(ec) // a map[string]string always marshals
	return string(b)
}
