package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Helpers of the cp --recursive tests.

// setCp is a cp --recursive of dir to prefix as these tests run it:
// SSE-KMS with the stack's key, 5 MiB parts above a 5 MiB threshold (a
// 6 MiB file is 2 parts), no bar; extra flags last.
func setCp(dir, prefix string, extra ...string) []string {
	return append([]string{"cp", dir, target(prefix), "--recursive",
		"--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-progress",
		"--part-size", "5MiB", "--multipart-threshold", "5MiB"}, extra...)
}

// setPrefix is a fresh key prefix for the test ("e2eset_NAME_TIME/"),
// whose objects and unfinished uploads are removed after it. It has one
// '/', at the end: moto refuses the signature of a ListObjectsV2 whose
// prefix holds one, so keysUnder lists by the part before it.
func setPrefix(t *testing.T) string {
	t.Helper()
	key := uniqueKey(t, "set") // e2e/NAME/TIME-set
	prefix := strings.NewReplacer("/", "_", "-", "_").Replace(key) + "/"
	t.Cleanup(func() { cleanupPrefix(t, prefix) })
	return prefix
}

// cleanupPrefix aborts the uploads and deletes the objects under prefix.
func cleanupPrefix(t *testing.T, prefix string) {
	c := adminS3(t)
	ctx := context.Background()
	for _, u := range listUploads(t) {
		if strings.HasPrefix(aws.ToString(u.Key), prefix) {
			_, _ = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: u.Key, UploadId: u.UploadId})
		}
	}
	for _, k := range keysUnder(t, prefix) {
		_, _ = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(prefix + k)})
	}
}

// keysUnder lists the objects under prefix, relative to it, sorted.
func keysUnder(t *testing.T, prefix string) []string {
	t.Helper()
	var keys []string
	in := &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket), Prefix: aws.String(strings.TrimSuffix(prefix, "/"))}
	for {
		out, err := adminS3(t).ListObjectsV2(context.Background(), in)
		if err != nil {
			t.Fatalf("ListObjectsV2 %s: %v", prefix, err)
		}
		for _, o := range out.Contents {
			if k, ok := strings.CutPrefix(aws.ToString(o.Key), prefix); ok {
				keys = append(keys, k)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	slices.Sort(keys)
	return keys
}

// wantKeys fails the test unless exactly keys (relative, any order) are
// stored under prefix.
func wantKeys(t *testing.T, prefix string, keys ...string) {
	t.Helper()
	want := slices.Clone(keys)
	slices.Sort(want)
	if got := keysUnder(t, prefix); !slices.Equal(got, want) {
		t.Fatalf("objects under %s: %v, want %v", prefix, got, want)
	}
}

// setTree is a directory of files for a set, with their SHA-256 by
// relative path.
type setTree struct {
	dir  string
	sums map[string]string
}

// newTree makes a directory with a random file of each size, by relative
// path ('/'-separated).
func newTree(t *testing.T, files map[string]int64) *setTree {
	t.Helper()
	tr := &setTree{dir: filepath.Join(t.TempDir(), "tree"), sums: map[string]string{}}
	if err := os.MkdirAll(tr.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for rel, n := range files {
		tr.write(t, rel, n)
	}
	return tr
}

// write puts n random bytes at rel.
func (tr *setTree) write(t *testing.T, rel string, n int64) {
	t.Helper()
	p := tr.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), uint64(time.Now().UnixNano())))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	tr.sums[rel] = hex.EncodeToString(h[:])
}

func (tr *setTree) path(rel string) string { return filepath.Join(tr.dir, filepath.FromSlash(rel)) }

// checkStored fails the test unless each rel is stored under prefix with
// the file's content.
func (tr *setTree) checkStored(t *testing.T, prefix string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if got, _ := objectSHA256(t, prefix+rel); got != tr.sums[rel] {
			t.Errorf("%s: stored SHA-256 %s, file %s", rel, got, tr.sums[rel])
		}
	}
}

// resultOf is the result line of source in a set's events.
func resultOf(t *testing.T, evs eventStream, source string) jsonEvent {
	t.Helper()
	for _, e := range evs.kind("result") {
		if e.str("source") == source {
			return e
		}
	}
	t.Fatalf("no result for %s", source)
	return jsonEvent{}
}

// sourcesOf lists the sources of the events of kind k, sorted.
func sourcesOf(evs eventStream, k string) []string {
	var out []string
	for _, e := range evs.kind(k) {
		out = append(out, e.str("source"))
	}
	slices.Sort(out)
	return out
}
