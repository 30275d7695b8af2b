package upload

import (
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// Requests builds the S3 requests of one upload, every header included:
// encryption, ACL, tagging, storage class, metadata, checksum algorithm and
// type, and the overwrite condition. The engine sends exactly these, and
// preflight's canary builds its CreateMultipartUpload and 1-byte part with
// them, so what preflight proves is the request the upload will make.
type Requests struct {
	in  Input
	alg checksum.Algorithm // "" when no checksums are sent
}

// Requests returns the request builder for in with this Uploader's
// checksum settings.
func (u *Uploader) Requests(in Input) Requests { return NewRequests(in, u.opts) }

// NewRequests returns the request builder for in with the checksum
// settings of o (Checksum, NoChecksum; the other fields are not read), as
// an Uploader made with o builds them: for a caller that sends the
// requests itself (preflight's canary) and needs no Uploader.
func NewRequests(in Input, o Options) Requests {
	r := Requests{in: in}
	switch {
	case o.NoChecksum:
	case o.Checksum == "":
		r.alg = checksum.CRC64NVME
	default:
		r.alg = o.Checksum
	}
	return r
}

// ChecksumAlgorithm is the algorithm of the checksums sent, "" for none.
func (r Requests) ChecksumAlgorithm() ChecksumAlgorithm { return r.alg }

// Checksum is the base64 checksum of data with the upload's algorithm, the
// value UploadPart and PutObject take; "" when no checksums are sent.
func (r Requests) Checksum(data []byte) string {
	if r.alg == "" {
		return ""
	}
	h := r.alg.New()
	h.Write(data)
	return checksum.Encode(h.Sum(nil))
}

// PutObject is the single-request upload of size bytes from body, with the
// object's checksum sum (base64, "" for none).
func (r Requests) PutObject(body io.Reader, size int64, sum string) *s3.PutObjectInput {
	in := r.in
	p := &s3.PutObjectInput{
		Bucket: aws.String(in.Bucket), Key: aws.String(in.Key),
		Body: body, ContentLength: aws.Int64(size),
		Metadata:                in.Metadata,
		ContentType:             optional(in.ContentType),
		CacheControl:            optional(in.CacheControl),
		ContentDisposition:      optional(in.ContentDisposition),
		ContentEncoding:         optional(in.ContentEncoding),
		Tagging:                 optional(in.Tagging),
		StorageClass:            types.StorageClass(in.StorageClass),
		ACL:                     types.ObjectCannedACL(in.ACL),
		ServerSideEncryption:    types.ServerSideEncryption(in.SSE.Mode),
		SSEKMSKeyId:             optional(in.SSE.KMSKeyID),
		SSEKMSEncryptionContext: optional(in.SSE.ContextHeader()),
		BucketKeyEnabled:        in.SSE.BucketKey,
	}
	if in.NoOverwrite {
		p.IfNoneMatch = aws.String("*")
	}
	if sum != "" {
		checksum.SetPutObject(p, r.alg, sum)
	}
	return p
}

// CreateMultipartUpload starts a multipart upload with every header the
// object will carry: the same list as PutObject's (the SDK has a type for
// each; TestObjectRequestsCarryTheSameHeaders keeps the two in step). With checksums, it asks for the algorithm's object
// checksum type (FULL_OBJECT for the CRCs), which Complete then states.
func (r Requests) CreateMultipartUpload() *s3.CreateMultipartUploadInput {
	in := r.in
	c := &s3.CreateMultipartUploadInput{
		Bucket: aws.String(in.Bucket), Key: aws.String(in.Key),
		Metadata:                in.Metadata,
		ContentType:             optional(in.ContentType),
		CacheControl:            optional(in.CacheControl),
		ContentDisposition:      optional(in.ContentDisposition),
		ContentEncoding:         optional(in.ContentEncoding),
		Tagging:                 optional(in.Tagging),
		StorageClass:            types.StorageClass(in.StorageClass),
		ACL:                     types.ObjectCannedACL(in.ACL),
		ServerSideEncryption:    types.ServerSideEncryption(in.SSE.Mode),
		SSEKMSKeyId:             optional(in.SSE.KMSKeyID),
		SSEKMSEncryptionContext: optional(in.SSE.ContextHeader()),
		BucketKeyEnabled:        in.SSE.BucketKey,
	}
	if r.alg != "" {
		c.ChecksumAlgorithm = r.alg.SDK()
		c.ChecksumType = r.alg.ObjectType()
	}
	return c
}

// UploadPart sends part n (size bytes from body) of uploadID with its
// checksum sum (base64, "" for none). The SDK does not hash a body whose
// checksum it is given.
func (r Requests) UploadPart(uploadID string, n int32, body io.Reader, size int64, sum string) *s3.UploadPartInput {
	p := &s3.UploadPartInput{
		Bucket: aws.String(r.in.Bucket), Key: aws.String(r.in.Key),
		UploadId: aws.String(uploadID), PartNumber: aws.Int32(n),
		Body: body, ContentLength: aws.Int64(size),
	}
	if sum != "" {
		checksum.SetUploadPart(p, r.alg, sum)
	}
	return p
}

// CompleteMultipartUpload completes uploadID from parts (in order). With a
// full-object checksum, objectSum (base64) and the object's size let S3
// refuse an object whose bytes differ; the overwrite condition is checked
// here, where S3 checks it.
func (r Requests) CompleteMultipartUpload(uploadID string, parts []types.CompletedPart, objectSum string, size int64) *s3.CompleteMultipartUploadInput {
	c := &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(r.in.Bucket), Key: aws.String(r.in.Key), UploadId: aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	if objectSum != "" && r.alg.FullObject() {
		checksum.SetComplete(c, r.alg, objectSum)
		c.MpuObjectSize = aws.Int64(size)
	}
	if r.in.NoOverwrite {
		c.IfNoneMatch = aws.String("*")
	}
	return c
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}
