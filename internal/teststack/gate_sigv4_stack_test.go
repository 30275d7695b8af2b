package teststack

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Keys moto alone refuses (SignatureDoesNotMatch): the gate checks the
// signature itself and signs again in the form moto accepts.
var awkwardKeys = []string{"a b", "plus+sign", "pct%41%", "quote'\"", "été", "semi;colon=x", "tilde~bang!(star*)"}

func TestSigV4AwkwardKeysSDK(t *testing.T) {
	ctx := context.Background()
	c := s3Client(t, stack.Full)
	for _, k := range awkwardKeys {
		key := "sigv4/sdk/" + k
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), Body: strings.NewReader(k)}); err != nil {
			t.Fatalf("PutObject %q: %v", key, err)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject %q: %v", key, err)
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(b) != k {
			t.Errorf("GetObject %q: %q", key, b)
		}
	}
	// A multipart upload on an awkward key, listed under a prefix ending in "/".
	key := "sigv4/sdk/mp/" + awkwardKeys[4] + " " + awkwardKeys[1]
	cm, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	defer abort(c, key, aws.ToString(cm.UploadId))
	if _, err := uploadPart(c, key, aws.ToString(cm.UploadId), 1, []byte("part")); err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: cm.UploadId}); err != nil {
		t.Fatalf("ListParts: %v", err)
	}
	lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(stack.Bucket), Prefix: aws.String("sigv4/sdk/mp/")})
	if err != nil {
		t.Fatalf("ListMultipartUploads with a prefix ending in /: %v", err)
	}
	if len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].Key) != key {
		t.Errorf("ListMultipartUploads: %+v", lu.Uploads)
	}
	lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket), Prefix: aws.String("sigv4/sdk/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("ListObjectsV2 with a prefix ending in /: %v", err)
	}
	if len(lo.Contents) != len(awkwardKeys) {
		t.Errorf("ListObjectsV2: %d objects, want %d", len(lo.Contents), len(awkwardKeys))
	}
	if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket), Prefix: aws.String("sigv4/sdk/été ")}); err != nil {
		t.Fatalf("ListObjectsV2 with a non-ASCII prefix: %v", err)
	}
}

// A signature that does not match is refused with S3's 403
// SignatureDoesNotMatch, not forwarded.
func TestSigV4TamperedRefused(t *testing.T) {
	ctx := context.Background()
	// A wrong secret for a known access key.
	bad := stack.Full
	bad.SecretAccessKey = "not-the-secret"
	cfg := stack.sdkConfig(bad, stack.Endpoint)
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket), Prefix: aws.String("sigv4/")})
	wantErr(t, err, "SignatureDoesNotMatch", 403)

	// A request signed right, then changed on the way (the key).
	good := s3Client(t, stack.Full)
	_, err = good.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("sigv4/tamper/a"), Body: strings.NewReader("x")},
		func(o *s3.Options) {
			o.HTTPClient = tamperClient{func(r *http.Request) { r.URL.Path += "b"; r.URL.RawPath = "" }}
		})
	wantErr(t, err, "SignatureDoesNotMatch", 403)

	// A body that is not the one hashed in x-amz-content-sha256.
	_, err = good.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("sigv4/tamper/body"), Body: bytes.NewReader([]byte("right"))},
		func(o *s3.Options) {
			o.HTTPClient = tamperClient{func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("wrong")) }}
		})
	wantErr(t, err, "XAmzContentSHA256Mismatch", 400)
	if _, err := good.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("sigv4/tamper/body")}); err == nil {
		t.Error("the object with the tampered body was stored")
	}

	// A payload hash that is neither a SHA-256 nor one of S3's markers.
	_, err = good.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket)},
		func(o *s3.Options) {
			o.HTTPClient = tamperClient{func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED") }}
		})
	wantErr(t, err, "InvalidArgument", 400)
}

// tamperClient changes a signed request before sending it.
type tamperClient struct{ f func(*http.Request) }

func (t tamperClient) Do(r *http.Request) (*http.Response, error) {
	t.f(r)
	return http.DefaultTransport.RoundTrip(r)
}

// The aws CLI (botocore) through the stack with the same keys and prefixes.
func TestSigV4AwkwardKeysAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not on PATH")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("cli"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("aws", args...)
		cmd.Env = stack.Env(stack.Full)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, k := range awkwardKeys {
		run("s3", "cp", file, "s3://"+stack.Bucket+"/sigv4/cli/"+k, "--no-progress")
	}
	out := run("s3", "ls", "s3://"+stack.Bucket+"/sigv4/cli/")
	for _, k := range awkwardKeys {
		if !strings.Contains(out, k) {
			t.Errorf("aws s3 ls: %q missing in:\n%s", k, out)
		}
	}
	run("s3api", "create-multipart-upload", "--bucket", stack.Bucket, "--key", "sigv4/cli/mp/été+'")
	out = run("s3api", "list-multipart-uploads", "--bucket", stack.Bucket, "--prefix", "sigv4/cli/mp/")
	if !strings.Contains(out, "sigv4/cli/mp/") {
		t.Errorf("list-multipart-uploads:\n%s", out)
	}
	_ = s3types.ChecksumAlgorithmCrc64nvme
}
