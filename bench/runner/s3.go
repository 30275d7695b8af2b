package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// s3Admin creates the bench bucket on versitygw and empties it between
// runs.
type s3Admin struct{ c *s3.Client }

func newS3(c config, hc *http.Client) *s3Admin {
	return &s3Admin{c: s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(c.vgw),
		UsePathStyle: true,
		HTTPClient:   hc,
		Credentials:  credentials.NewStaticCredentialsProvider(c.access, c.secret, ""),
	})}
}

func (a *s3Admin) createBucket(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := a.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "BucketAlreadyOwnedByYou" || ae.ErrorCode() == "BucketAlreadyExists") {
		return nil
	}
	return err
}

// deleteAll removes every object and aborts every multipart upload.
func (a *s3Admin) deleteAll(bucket string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var errs []error
	p := s3.NewListObjectsV2Paginator(a.c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			errs = append(errs, err)
			break
		}
		for _, o := range page.Contents {
			if _, err := a.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	ups, err := a.c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		errs = append(errs, err)
	} else {
		for _, u := range ups.Uploads {
			if _, err := a.c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
