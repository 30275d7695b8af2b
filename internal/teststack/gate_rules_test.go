package teststack

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Tags need s3:PutObjectTagging and an ACL s3:PutObjectAcl, which moto
// does not check on a write: the gate asks moto's IAM.
func TestHeaderPermissions(t *testing.T) {
	ctx := context.Background()
	u, err := stack.NewUser(ctx, "notagacl", Policy("s3:PutObject", "s3:AbortMultipartUpload", "kms:*", "sts:GetCallerIdentity"))
	if err != nil {
		t.Fatal(err)
	}
	c := s3Client(t, u)
	create := func(in *s3.CreateMultipartUploadInput) error {
		in.Bucket, in.Key = aws.String(stack.Bucket), aws.String("headers/obj")
		out, err := c.CreateMultipartUpload(ctx, in)
		if err == nil {
			abort(c, "headers/obj", aws.ToString(out.UploadId))
		}
		return err
	}
	if err := create(&s3.CreateMultipartUploadInput{}); err != nil {
		t.Fatalf("plain create: %v", err)
	}
	wantErr(t, create(&s3.CreateMultipartUploadInput{Tagging: aws.String("a=b")}), "AccessDenied", 403)
	wantErr(t, create(&s3.CreateMultipartUploadInput{ACL: s3types.ObjectCannedACLPrivate}), "AccessDenied", 403)
	full := s3Client(t, stack.Full)
	out, err := full.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String("headers/full"),
		Tagging: aws.String("a=b"), ACL: s3types.ObjectCannedACLPrivate})
	if err != nil {
		t.Fatalf("full user with tags and ACL: %v", err)
	}
	abort(full, "headers/full", aws.ToString(out.UploadId))
}

// A bucket with ACLs disabled refuses ACLs as S3 does; moto only stores
// the setting.
func TestACLsDisabled(t *testing.T) {
	ctx := context.Background()
	admin := s3Client(t, stack.Admin)
	const b = "teststack-owner-enforced"
	if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(b),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
		t.Fatal(err)
	}
	c := s3Client(t, stack.Full)
	_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), ACL: s3types.ObjectCannedACLPublicRead})
	wantErr(t, err, "AccessControlListNotSupported", 400)
	out, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl})
	if err != nil {
		t.Fatalf("bucket-owner-full-control is accepted: %v", err)
	}
	_, _ = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: out.UploadId})
}

// A request signed too far from the gate's clock is refused as each
// service refuses it; a Date header that shows the gate's clock lets the
// SDK correct itself.
func TestClockSkew(t *testing.T) {
	ctx := context.Background()
	defer stack.SetClockSkew(ClockSkew{})
	stack.SetClockSkew(ClockSkew{Offset: time.Hour})
	_, err := s3Client(t, stack.Full).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("none")})
	if _, status := errStatus(err); status != 403 {
		t.Fatalf("S3 HEAD: %v", err)
	}
	_, err = s3Client(t, stack.Full).CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String("skew")})
	wantErr(t, err, "RequestTimeTooSkewed", 403)
	_, err = kms.NewFromConfig(mustConfig(t, stack.Full), func(o *kms.Options) { o.RetryMaxAttempts = 1 }).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(stack.KeyARN)})
	wantErr(t, err, "InvalidSignatureException", 400)
	_, err = sts.NewFromConfig(mustConfig(t, stack.Full), func(o *sts.Options) { o.RetryMaxAttempts = 1 }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantErr(t, err, "SignatureDoesNotMatch", 403)

	stack.SetClockSkew(ClockSkew{Offset: time.Hour, ShowDate: true})
	c := s3.NewFromConfig(mustConfig(t, stack.Full), func(o *s3.Options) { o.RetryMaxAttempts = 3 })
	out, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String("skew")})
	if err != nil {
		t.Fatalf("the SDK did not correct a skew the Date header shows: %v", err)
	}
	abort(c, "skew", aws.ToString(out.UploadId))
}
