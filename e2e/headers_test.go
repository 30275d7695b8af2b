package e2e

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/size"
)

// Object headers and conditional writes, read back as Admin.

// Every header flag shows on HeadObject and GetObjectTagging, for a single
// PutObject and for a multipart upload (where they go on
// CreateMultipartUpload).
func TestObjectHeaders(t *testing.T) {
	for _, sz := range []int64{size.KiB, 12 * size.MiB} {
		t.Run(size.Format(sz), func(t *testing.T) {
			src, sum := makeFile(t, sz)
			key := uniqueKey(t, "obj.bin")
			defer abortUploadsOf(t, key)
			r := runCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight",
				"--content-type", "application/x-backup",
				"--cache-control", "no-store",
				"--content-disposition", `attachment; filename="db.tar"`,
				"--content-encoding", "zstd",
				"--metadata", "a=1,b=2",
				"--tagging", "k=v",
				"--storage-class", "STANDARD_IA")
			if r.Code != 0 {
				t.Fatalf("cp failed: %s", r)
			}
			got, head := objectSHA256(t, key)
			if got != sum {
				t.Fatalf("stored SHA-256 %s, source %s", got, sum)
			}
			for _, c := range []struct{ name, got, want string }{
				{"Content-Type", aws.ToString(head.ContentType), "application/x-backup"},
				{"Cache-Control", aws.ToString(head.CacheControl), "no-store"},
				{"Content-Disposition", aws.ToString(head.ContentDisposition), `attachment; filename="db.tar"`},
				{"Content-Encoding", aws.ToString(head.ContentEncoding), "zstd"},
				{"storage class", string(head.StorageClass), "STANDARD_IA"},
				{"encryption", string(head.ServerSideEncryption), "aws:kms"},
			} {
				if c.got != c.want {
					t.Errorf("%s %q, want %q", c.name, c.got, c.want)
				}
			}
			if want := map[string]string{"a": "1", "b": "2"}; !maps.Equal(head.Metadata, want) {
				t.Errorf("metadata %v, want %v", head.Metadata, want)
			}
			tags, err := adminS3(t).GetObjectTagging(context.Background(), &s3.GetObjectTaggingInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("GetObjectTagging: %v", err)
			}
			if len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "k" || aws.ToString(tags.TagSet[0].Value) != "v" {
				t.Errorf("tags %+v, want k=v", tags.TagSet)
			}
		})
	}
}

// Without --content-type the type is guessed from the key's extension.
func TestContentTypeGuessed(t *testing.T) {
	for _, sz := range []int64{size.KiB, 12 * size.MiB} {
		t.Run(size.Format(sz), func(t *testing.T) {
			src, _ := makeFile(t, sz)
			key := uniqueKey(t, "report.json")
			defer abortUploadsOf(t, key)
			if r := runCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight"); r.Code != 0 {
				t.Fatalf("cp failed: %s", r)
			}
			_, head := objectSHA256(t, key)
			if ct := aws.ToString(head.ContentType); ct != "application/json" {
				t.Fatalf("Content-Type %q for a .json key, want application/json", ct)
			}
		})
	}
}

// putIfNoneMatchHonoured reports whether the stack refuses a conditional
// write (If-None-Match: *) on an existing key, single or multipart, so the
// uploader's --no-overwrite can be judged rather than moto's support.
func putIfNoneMatchHonoured(t *testing.T, key string, multipart bool) (bool, string) {
	t.Helper()
	ctx := context.Background()
	c := adminS3(t)
	var err error
	if !multipart {
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), Body: strings.NewReader("probe"), IfNoneMatch: aws.String("*")})
	} else {
		cmu, cerr := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
		if cerr != nil {
			t.Fatalf("probe CreateMultipartUpload: %v", cerr)
		}
		id := cmu.UploadId
		defer c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: id})
		part, perr := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: id, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("probe"))})
		if perr != nil {
			t.Fatalf("probe UploadPart: %v", perr)
		}
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: id, IfNoneMatch: aws.String("*"),
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	}
	var re *awshttp.ResponseError
	switch {
	case err == nil:
		return false, "moto stored the object despite If-None-Match: * on an existing key"
	case errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed:
		return true, ""
	}
	return false, "moto answered If-None-Match: * with " + err.Error()
}

// --no-overwrite on an existing key fails and leaves the object as it was;
// on a new key it uploads.
func TestNoOverwrite(t *testing.T) {
	for _, tt := range []struct {
		name      string
		size      int64
		multipart bool
	}{{"single", size.KiB, false}, {"multipart", 12 * size.MiB, true}} {
		t.Run(tt.name, func(t *testing.T) {
			first, firstSum := makeFile(t, tt.size)
			key := uniqueKey(t, "obj.bin")
			defer abortUploadsOf(t, key)
			args := []string{"--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--no-overwrite"}
			if r := runCLI(t, stack.Full, append([]string{"cp", first, target(key)}, args...)...); r.Code != 0 {
				t.Fatalf("--no-overwrite on a new key failed: %s", r)
			}
			if got, _ := objectSHA256(t, key); got != firstSum {
				t.Fatalf("stored SHA-256 %s, source %s", got, firstSum)
			}
			// Probe on a key of its own: the object under test must not change.
			probeKey := uniqueKey(t, "probe")
			if _, err := adminS3(t).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(probeKey), Body: strings.NewReader("x")}); err != nil {
				t.Fatal(err)
			}
			if ok, why := putIfNoneMatchHonoured(t, probeKey, tt.multipart); !ok {
				t.Skipf("the stack cannot show --no-overwrite (%s): moto 5.2.1 lacks the conditional write here", why)
			}

			second, _ := makeFile(t, tt.size)
			r := runCLI(t, stack.Full, append([]string{"cp", second, target(key)}, args...)...)
			if r.Code == 0 {
				t.Fatalf("--no-overwrite replaced an existing object: %s", r)
			}
			t.Logf("exit %d: %s", r.Code, strings.TrimSpace(r.Stderr))
			if got, _ := objectSHA256(t, key); got != firstSum {
				t.Fatal("the existing object changed despite --no-overwrite")
			}
			if r.Code == 2 || r.Code == 4 {
				t.Errorf("exit %d: an existing key is neither a usage error nor transient", r.Code)
			}
			// The refusal is explained, not the SDK's bare 412.
			if strings.Contains(r.Stderr, "operation error S3") || !strings.Contains(strings.ToLower(r.Stderr), "exists") {
				t.Errorf("stderr does not say the key already exists (the bare SDK PreconditionFailed instead):\n%s", r.Stderr)
			}
			// A rerun of the same command resumes every part and is refused
			// again at CompleteMultipartUpload: advising it is wrong.
			if strings.Contains(r.Stderr, "rerun the same command to resume") {
				t.Errorf("after a --no-overwrite refusal stderr advises a rerun that can only be refused again (%d upload(s) kept with all parts stored):\n%s", len(uploadsFor(t, key)), r.Stderr)
			}
		})
	}
}
