package upload

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Client is the part of the S3 API the engine calls: *s3.Client satisfies
// it, and tests hand in fakes. The engine drives these calls itself (see
// multipart.go), so a fake sees exactly the requests S3 would.
//
// A Client must apply each call's optFns to an s3.Options and run what they
// install, as *s3.Client does: the HTTP client they set (progress, the
// bandwidth limit) and the APIOptions middleware. A file's part carries its
// checksum in a trailer that middleware adds; an UploadPart whose
// middleware did not run fails the upload, since S3 checked nothing.
type Client interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	ListParts(ctx context.Context, in *s3.ListPartsInput, optFns ...func(*s3.Options)) (*s3.ListPartsOutput, error)
}

var _ Client = (*s3.Client)(nil)
