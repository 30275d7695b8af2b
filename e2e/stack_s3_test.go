package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/size"
)

// What issue 17 saw on the project's own stack, which its gate now
// answers as S3 does: `uploads list` of a prefix ending in "/" works and
// shows when the upload started, `abort --older-than 7d` spares a fresh
// upload, keys with "+ ' é" and spaces upload, and a multipart upload is
// verified end to end by its CRC64NVME.
func TestStackBehavesLikeS3(t *testing.T) {
	ctx := context.Background()
	dir := uniqueKey(t, "dir") + "/"
	key := dir + "é + 'q' x.bin"
	c := adminS3(t)
	cm, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_, _ = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: cm.UploadId})
	}()

	r := runCLI(t, stack.Full, "uploads", "list", target(dir))
	today := time.Now().UTC().Format("2006-01-02")
	if r.Code != 0 || !strings.Contains(r.Stdout, key) || !strings.Contains(r.Stdout, today) || strings.Contains(r.Stdout, "2010-11-10") {
		t.Errorf("uploads list %s: want the upload, started %s: %s", target(dir), today, r)
	}
	r = runCLI(t, stack.Full, "uploads", "abort", target(dir), "--older-than", "7d")
	if r.Code != 0 {
		t.Errorf("uploads abort --older-than 7d: %s", r)
	}
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(stack.Bucket), Prefix: aws.String(dir)})
	if err != nil || len(out.Uploads) != 1 {
		t.Fatalf("after abort --older-than 7d: %v %+v, want the fresh upload kept", err, out)
	}

	src, sum := makeFile(t, 20*size.MiB)
	obj := dir + "obj + é 'q'.bin"
	r = runCLI(t, stack.Full, kmsCp(src, obj, "--json")...)
	if r.Code != 0 {
		t.Fatalf("cp to %q: %s", obj, r)
	}
	if res := resultLine(t, r); res["checksum_verified"] != true {
		t.Errorf("cp: not verified end to end: %s", r)
	}
	if got, _ := objectSHA256(t, obj); got != sum {
		t.Error("the stored object differs from the source")
	}
}
