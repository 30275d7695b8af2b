package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

// --skip-existing: one HeadObject per file decides whether its object is
// already there whole.

// headAPI is the one call --skip-existing makes.
type headAPI interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

var _ headAPI = (*s3.Client)(nil)

// storedObject is what HeadObject said of a key.
type storedObject struct {
	size         int64
	lastModified time.Time
	checksum     string // of the configured algorithm, base64; "" when none was reported
	checksumType types.ChecksumType
	sse, kmsKey  string
}

// headStored asks S3 about key, with its checksums. A missing object is
// (nil, nil).
func headStored(ctx context.Context, c headAPI, bucket, key string, alg checksum.Algorithm) (*storedObject, error) {
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		var nf *types.NotFound
		if errors.As(err, &nf) || diagnose.HTTPStatus(err) == http.StatusNotFound {
			return nil, nil
		}
		return nil, err
	}
	obj := &storedObject{size: aws.ToInt64(out.ContentLength), lastModified: aws.ToTime(out.LastModified),
		sse: string(out.ServerSideEncryption), kmsKey: aws.ToString(out.SSEKMSKeyId)}
	if alg != "" {
		obj.checksum, obj.checksumType = checksum.FromHead(out, alg)
	}
	return obj, nil
}

// skipRule compares a file with its stored object.
type skipRule struct {
	// alg is the configured checksum algorithm; "" with
	// --checksum-calculation when_required (no checksums are compared).
	alg checksum.Algorithm
	sse upload.SSE
}

// decide says whether the file (size bytes, modified at mtime) is stored
// whole, and why, in a few words. Same size is needed, and the encryption
// asked for. Then, where S3 reports a well-formed full-object checksum of
// the configured algorithm, the file's own (localSum reads the whole file;
// it is called only then) must equal it. Where it reports none, or a
// malformed or COMPOSITE one (moto does for multipart objects; a COMPOSITE
// checksum depends on the part boundaries), the aws s3 sync rule applies:
// the object must not be older than the file. S3's LastModified has whole
// seconds, so the file's time is compared to the second.
func (r skipRule) decide(obj *storedObject, size int64, mtime time.Time, localSum func() (string, error)) (skip bool, why string, err error) {
	switch {
	case obj == nil:
		return false, "no object", nil
	case obj.size != size:
		return false, fmt.Sprintf("stored with %d bytes, the file has %d", obj.size, size), nil
	case !r.sse.StoredAs(obj.sse, obj.kmsKey):
		return false, fmt.Sprintf("stored with encryption %q (key %q), not as asked", obj.sse, obj.kmsKey), nil
	case r.alg != "" && fullObjectChecksum(r.alg, obj.checksum, obj.checksumType):
		local, err := localSum()
		if err != nil {
			return false, "", err
		}
		if local != obj.checksum {
			return false, fmt.Sprintf("same size, but %s %s stored and %s here", r.alg, obj.checksum, local), nil
		}
		return true, fmt.Sprintf("same size and %s", r.alg), nil
	case obj.lastModified.Before(mtime.Truncate(time.Second)):
		return false, "the file changed after the object was stored", nil
	}
	return true, "same size, stored after the file last changed (no full-object checksum from the server)", nil
}

// fullObjectChecksum reports a value that is the checksum of the whole
// object with alg: the right length, not COMPOSITE (a "-N" suffix does
// not decode either).
func fullObjectChecksum(alg checksum.Algorithm, v string, typ types.ChecksumType) bool {
	return v != "" && typ != types.ChecksumTypeComposite && checksum.WellFormed(alg, v)
}

// headFailure explains a HeadObject that failed: a denial is a diagnosis
// (exit 3, it stops the set: every file would fail alike); other errors
// fail the file (exit 4 when transient).
func headFailure(err error, bucket, key, principal string) error {
	if !diagnose.IsAccessDenied(err) {
		return fmt.Errorf("--skip-existing: HeadObject of s3://%s/%s: %w", bucket, key, err)
	}
	who := principal
	if who == "" {
		who = "the caller"
	}
	return &diagnose.Diagnosis{
		Code: diagnose.S3AccessDenied, Operation: "HeadObject", Principal: principal,
		RequestID: diagnose.RequestID(err), Err: err,
		Message: fmt.Sprintf("HeadObject of s3://%s/%s was denied: --skip-existing asks S3 whether each object exists, which needs s3:GetObject (and s3:ListBucket, without which S3 answers 403, not 404, for a key that does not exist).", bucket, key),
		Remedy:  fmt.Sprintf("Allow %s s3:GetObject on arn:aws:s3:::%s/* and s3:ListBucket on arn:aws:s3:::%s, or run without --skip-existing.", who, bucket, bucket),
	}
}
