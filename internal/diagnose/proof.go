package diagnose

import (
	"fmt"
	"strings"
)

// Proof is what a KMS round trip (GenerateDataKey, then Decrypt, directly
// as the caller with S3's encryption context) showed about a bare
// AccessDenied on a part of an SSE-KMS multipart upload. S3 answers a
// missing kms:Decrypt and a missing s3:PutObject with the same two words;
// only a check tells them apart.
type Proof int

const (
	// ProofNone: no round trip was made (no KMS client to make it).
	ProofNone Proof = iota
	// ProofKMSAllowed: both calls were allowed, so KMS is not what S3
	// refused: the denial is on the S3 side.
	ProofKMSAllowed
	// ProofDecryptDenied: GenerateDataKey allowed, Decrypt denied: the
	// caller lacks kms:Decrypt.
	ProofDecryptDenied
	// ProofDirectDenied: GenerateDataKey was denied as a direct call,
	// though S3's own call at CreateMultipartUpload was allowed: the key
	// allows use only through S3 (kms:ViaService), so a direct Decrypt
	// denied would prove nothing.
	ProofDirectDenied
	// ProofFailed: the round trip could not run (Context.ProofErr says why).
	ProofFailed
)

// NeedsProof reports whether d is a denial that a KMS round trip can
// settle: the engine makes one (once) and classifies the error again with
// the Proof.
func NeedsProof(d *Diagnosis) bool {
	return d != nil && d.Code == KMSDecryptOrS3Denied
}

// explainPartDenied explains a denied UploadPart or Complete of an SSE-KMS
// multipart upload that S3 created: kms:Decrypt only when something proved
// it, an S3-side denial when KMS was proven to allow the round trip, and
// both causes, the likelier first, when nothing could tell.
func explainPartDenied(d *Diagnosis, f facts, c Context, denied string) bool {
	trip := fmt.Sprintf("A kms:GenerateDataKey then kms:Decrypt round trip made just now as %s on %s, with the encryption context S3 uses,", orUnknown(d.Principal, "the caller"), orUnknown(d.Key, "the key"))
	switch {
	case c.Hint == MissingKMSDecrypt:
		return explainMissingDecrypt(d, f, c, denied, "Preflight's KMS round trip was denied kms:Decrypt as well, which confirms it.")
	case c.Proof == ProofDecryptDenied:
		return explainMissingDecrypt(d, f, c, denied, trip+" was allowed GenerateDataKey and denied Decrypt, which proves it.")
	case c.Proof == ProofKMSAllowed:
		d.Code, d.Action = S3AccessDenied, "s3:PutObject"
		d.What = joinSentences(denied, awsSays(f))
		d.Why = joinSentences(
			trip+" was allowed both calls, so KMS is not what S3 refused: the denial is on the S3 side.",
			fmt.Sprintf("%s needs s3:PutObject on the object; it was allowed when the upload was created, so it was removed since, or a bucket policy, service control policy or permission boundary denies this request.", orUnknown(f.op, "The request")))
		d.Remedy = s3Remedy(d, c, false)
		return true
	}
	d.Code = KMSDecryptOrS3Denied
	d.What = joinSentences(denied, awsSays(f))
	unproven := "It was not checked with a KMS round trip."
	switch c.Proof {
	case ProofDirectDenied:
		unproven = fmt.Sprintf("A direct kms:GenerateDataKey as %s was denied, though S3's own call at CreateMultipartUpload was allowed: the key allows use only through S3 (a kms:ViaService condition), so a direct round trip cannot tell the two apart.", orUnknown(d.Principal, "the caller"))
	case ProofFailed:
		why := "no answer"
		if c.ProofErr != nil {
			why = firstLine(c.ProofErr.Error())
		}
		unproven = "The KMS round trip that would tell them apart could not run (" + why + ")."
	}
	d.Why = joinSentences(
		fmt.Sprintf("S3 answers two different causes with the same bare AccessDenied here. Most likely the caller lacks kms:Decrypt on the key (%s): S3 calls it as the requester for every part, to reopen the data key made at CreateMultipartUpload, and a single PutObject never needs it. Otherwise S3 itself denies %s: s3:PutObject was removed since the upload was created, or a bucket policy, service control policy or permission boundary denies it.", orUnknown(d.Key, "key unknown"), orUnknown(f.op, "the request")),
		unproven)
	d.PreflightTells = true // a canary through S3 tells them apart
	d.Remedy = strings.Join([]string{
		"Most likely: " + kmsRemedy(d, "kms:Decrypt"),
		"Otherwise: " + s3Remedy(d, c, false),
	}, "\n\n")
	return true
}
