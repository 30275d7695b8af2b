// Package kmsprobe makes, directly as the caller, the KMS round trip S3
// makes for an SSE-KMS multipart upload: GenerateDataKey, then Decrypt of
// the blob it returned, with the encryption context S3 uses. Preflight runs
// it before an upload; the engine runs it after a bare AccessDenied on a
// part, to prove which permission is missing before naming one.
package kmsprobe

import (
	"context"
	"crypto/subtle"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// API is the two KMS calls of the round trip. *kms.Client satisfies it.
type API interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Outcome is what the round trip showed.
type Outcome int

const (
	// OK: both calls allowed, and Decrypt gave back the data key.
	OK Outcome = iota + 1
	// GenerateDenied: GenerateDataKey was denied (Decrypt was not tried).
	GenerateDenied
	// DecryptDenied: GenerateDataKey allowed, Decrypt denied.
	DecryptDenied
	// Mismatch: Decrypt answered a different data key than was generated.
	Mismatch
	// Failed: a call failed for another reason (key state, network, ...).
	Failed
)

// Result is the round trip's outcome, with the failed call and its error.
type Result struct {
	Outcome Outcome
	Op      string // "GenerateDataKey" or "Decrypt": the call that failed
	Err     error
	Calls   int // requests made: 1 or 2
}

// S3Context is the encryption context S3 sends KMS for an object: the
// object's ARN, or the bucket's when S3 Bucket Keys are on, merged with the
// user's context. Key policies may have conditions on it, so a probe must
// use the same. partition "" is "aws".
func S3Context(partition, bucket, key string, bucketKey bool, user map[string]string) map[string]string {
	if partition == "" {
		partition = "aws"
	}
	ec := make(map[string]string, len(user)+1)
	for k, v := range user {
		ec[k] = v
	}
	arn := "arn:" + partition + ":s3:::" + bucket
	if !bucketKey {
		arn += "/" + key
	}
	ec["aws:s3:arn"] = arn
	return ec
}

// RoundTrip calls GenerateDataKey on keyID with context ec, then Decrypt
// of its blob with the same context, and compares the data keys. The
// plaintext keys are wiped before it returns.
func RoundTrip(ctx context.Context, c API, keyID string, ec map[string]string, optFns ...func(*kms.Options)) Result {
	gen, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(keyID),
		KeySpec:           kmstypes.DataKeySpecAes256,
		EncryptionContext: ec,
	}, optFns...)
	if err != nil {
		return failed("GenerateDataKey", err, 1, GenerateDenied)
	}
	defer clear(gen.Plaintext)
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    gen.CiphertextBlob,
		KeyId:             aws.String(keyID),
		EncryptionContext: ec,
	}, optFns...)
	if err != nil {
		return failed("Decrypt", err, 2, DecryptDenied)
	}
	defer clear(dec.Plaintext)
	if len(gen.Plaintext) == 0 || subtle.ConstantTimeCompare(gen.Plaintext, dec.Plaintext) != 1 {
		return Result{Outcome: Mismatch, Op: "Decrypt", Calls: 2}
	}
	return Result{Outcome: OK, Calls: 2}
}

func failed(op string, err error, calls int, denied Outcome) Result {
	r := Result{Outcome: Failed, Op: op, Err: err, Calls: calls}
	if diagnose.IsAccessDenied(err) {
		r.Outcome = denied
	}
	return r
}
