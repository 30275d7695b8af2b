package tree

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

// SkipMode says whether and how a set skips the files already uploaded.
// In every mode a file with a resume journal goes to the engine, which
// resumes its kept upload or recognises it as completed (and removes the
// journal): a kept upload is never skipped and never restarted.
type SkipMode int

const (
	// SkipNone uploads every file.
	SkipNone SkipMode = iota
	// SkipSync is the rule of `aws s3 sync`, decided from one listing of
	// the target prefix (about N/1000 requests for N files, no HEAD): a
	// file is skipped when an object of the same size is listed under its
	// key and that object is not older than the file (LastModified, whole
	// seconds, against the file's mtime). Limits: a clock skewed between
	// this machine and S3, and a file restored with an old mtime and the
	// same size, are not seen; the listing carries no encryption, so an
	// object stored otherwise than asked (another key, none) is not seen
	// either: SkipContent sees it.
	SkipSync
	// SkipContent lists as SkipSync, then HEADs each file whose size
	// matches: it is skipped when the object is stored with the encryption
	// asked for (upload.SSE.StoredAs) and, where S3 reports a well-formed
	// full-object checksum of Options.Checksum, the file's own equals it
	// (the file is read); where it reports none (or a COMPOSITE one), the
	// sync rule decides.
	SkipContent
)

func (m SkipMode) String() string {
	switch m {
	case SkipSync:
		return "sync"
	case SkipContent:
		return "content"
	}
	return "none"
}

// SyncRule is the sync rule on its own: skip when the sizes are equal
// and the object is not older than the file (to the second: S3's
// LastModified has whole seconds). why says what decided, in a few words.
func SyncRule(obj Listed, size int64, mtime time.Time) (skip bool, why string) {
	switch {
	case obj.Size != size:
		return false, fmt.Sprintf("stored with %d bytes, the file has %d", obj.Size, size)
	case obj.LastModified.Before(mtime.Truncate(time.Second)):
		return false, "the file changed after the object was stored"
	}
	return true, "same size, stored after the file last changed"
}

// Stored is what HeadObject says of a key, for SkipContent.
type Stored struct {
	Size         int64
	LastModified time.Time
	Checksum     string // of the compared algorithm, base64; "" when none was reported
	ChecksumType types.ChecksumType
	SSE, KMSKey  string
}

// ContentRule compares a file with its stored object (SkipContent). alg
// "" compares no checksums; localSum reads the whole file and is called
// only when S3 reports a well-formed full-object checksum of alg.
func ContentRule(obj Stored, sse upload.SSE, alg upload.ChecksumAlgorithm, size int64, mtime time.Time, localSum func() (string, error)) (skip bool, why string, err error) {
	switch {
	case obj.Size != size:
		return false, fmt.Sprintf("stored with %d bytes, the file has %d", obj.Size, size), nil
	case !sse.StoredAs(obj.SSE, obj.KMSKey):
		return false, fmt.Sprintf("stored with encryption %q (key %q), not as asked", obj.SSE, obj.KMSKey), nil
	case alg != "" && obj.Checksum != "" && obj.ChecksumType != types.ChecksumTypeComposite && checksum.WellFormed(alg, obj.Checksum):
		local, err := localSum()
		if err != nil {
			return false, "", err
		}
		if local != obj.Checksum {
			return false, fmt.Sprintf("same size, but %s %s stored and %s here", alg, obj.Checksum, local), nil
		}
		return true, fmt.Sprintf("same size and %s", alg), nil
	case obj.LastModified.Before(mtime.Truncate(time.Second)):
		return false, "the file changed after the object was stored", nil
	}
	return true, "same size, stored after the file last changed (no full-object checksum from the server)", nil
}

// headStored asks S3 about key with its checksums; a missing object is
// (nil, nil).
func headStored(ctx context.Context, c HeadAPI, bucket, key string, alg upload.ChecksumAlgorithm) (*Stored, error) {
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		var nf *types.NotFound
		if errors.As(err, &nf) || diagnose.HTTPStatus(err) == http.StatusNotFound {
			return nil, nil
		}
		return nil, err
	}
	obj := &Stored{Size: aws.ToInt64(out.ContentLength), LastModified: aws.ToTime(out.LastModified),
		SSE: string(out.ServerSideEncryption), KMSKey: aws.ToString(out.SSEKMSKeyId)}
	if alg != "" {
		obj.Checksum, obj.ChecksumType = checksum.FromHead(out, alg)
	}
	return obj, nil
}

// headFailure explains a HeadObject that failed: a denial is a diagnosis
// (permanent: every file would fail alike); other errors are the file's.
func headFailure(err error, bucket, key, principal string) error {
	if !diagnose.IsAccessDenied(err) {
		return fmt.Errorf("comparing with the stored object: HeadObject of s3://%s/%s: %w", bucket, key, err)
	}
	return &diagnose.Diagnosis{
		Code: diagnose.S3AccessDenied, Operation: "HeadObject", Principal: principal, Action: "s3:GetObject",
		RequestID: diagnose.RequestID(err), Err: err,
		Message: fmt.Sprintf("HeadObject of s3://%s/%s was denied: comparing a file with its stored object (skip by content) reads the object's metadata, which needs s3:GetObject.", bucket, key),
		Remedy:  fmt.Sprintf("Allow %s s3:GetObject on arn:aws:s3:::%s/*, or skip by the listing alone (size and time), which needs only s3:ListBucket.", orCaller(principal), bucket),
	}
}

// listFailure explains a listing that failed: a denial is list_denied.
func listFailure(err error, bucket, prefix, principal string) error {
	if d := diagnose.Classify(err, diagnose.Context{Operation: "ListObjectsV2", Bucket: bucket, ObjectKey: prefix, Principal: principal}); d != nil {
		return d
	}
	return fmt.Errorf("listing s3://%s/%s to skip the files already uploaded: %w", bucket, prefix, err)
}

func orCaller(p string) string {
	if p == "" {
		return "the caller"
	}
	return p
}
