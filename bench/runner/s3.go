package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
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

// deleteAll removes every object (DeleteObjects, 1,000 keys a call: a
// directory upload leaves 10,001) and aborts every multipart upload. It
// returns how many objects it found.
func (a *s3Admin) deleteAll(bucket string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var errs []error
	found := 0
	for range 1000 { // at most a million objects; a server that ignores deletes cannot loop us forever
		// List from the start each time: deleting under a continuation
		// token would skip keys on some servers.
		page, err := a.c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)})
		if err != nil {
			errs = append(errs, err)
			break
		}
		if len(page.Contents) == 0 {
			break
		}
		found += len(page.Contents)
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		out, err := a.c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			errs = append(errs, err)
			break
		}
		if len(out.Errors) > 0 {
			errs = append(errs, fmt.Errorf("DeleteObjects: %d keys not deleted, first %s: %s", len(out.Errors), aws.ToString(out.Errors[0].Key), aws.ToString(out.Errors[0].Message)))
			break
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
	return found, errors.Join(errs...)
}
