package teststack

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// s3Client is an S3 client for u through the gate that does not retry, so
// a test sees the gate's first answer.
func s3Client(t *testing.T, u User) *s3.Client {
	t.Helper()
	cfg, err := stack.Config(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.RetryMaxAttempts = 1
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	})
}

// errStatus returns the API error code and HTTP status of err.
func errStatus(err error) (string, int) {
	code, status := "", 0
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

func wantErr(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s (%d), got success", code, status)
	}
	gotCode, gotStatus := errStatus(err)
	if gotCode != code || gotStatus != status {
		t.Fatalf("want %s (%d), got %s (%d): %v", code, status, gotCode, gotStatus, err)
	}
}

// ssePut is an SSE-KMS PutObject of body under key with keyID.
func ssePut(c *s3.Client, key, keyID string, body []byte) error {
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket:               aws.String(stack.Bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(body),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(keyID),
	})
	return err
}

// createSSE starts an SSE-KMS multipart upload with the main key.
func createSSE(t *testing.T, c *s3.Client, key string) (string, error) {
	t.Helper()
	out, err := c.CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{
		Bucket:               aws.String(stack.Bucket),
		Key:                  aws.String(key),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms,
		SSEKMSKeyId:          aws.String(stack.KeyARN),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.UploadId), nil
}

func uploadPart(c *s3.Client, key, id string, n int32, body []byte) (*s3.UploadPartOutput, error) {
	return c.UploadPart(context.Background(), &s3.UploadPartInput{
		Bucket:     aws.String(stack.Bucket),
		Key:        aws.String(key),
		UploadId:   aws.String(id),
		PartNumber: aws.Int32(n),
		Body:       bytes.NewReader(body),
	})
}

func abort(c *s3.Client, key, id string) {
	_, _ = c.AbortMultipartUpload(context.Background(), &s3.AbortMultipartUploadInput{
		Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: aws.String(id),
	})
}
