package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// `uploader uploads list|abort` against the stack: an upload abandoned by
// a killed cp is listed with its local journal, and removed (with the
// journal) by age or by id. Keys are flat (flatKey): moto cannot take a
// '/' in the ListMultipartUploads prefix.

// list shows the abandoned upload with its journal's source; abort
// --older-than leaves it while it is younger, and removes it and its
// journal once it is older.
func TestUploadsListAndAbortOlderThan(t *testing.T) {
	src, _ := makeFile(t, 24*size.MiB)
	prefix := flatKey(t, "dir")
	key := prefix + "_obj.bin"
	cleanupKey(t, key)
	id := abandonUpload(t, src, key)

	l := runCLI(t, stack.Full, "uploads", "list", target(prefix))
	if l.Code != 0 {
		t.Fatalf("uploads list: exit %d: %s", l.Code, l)
	}
	for _, want := range []string{key, id, src, " journaled)"} {
		if !strings.Contains(l.Stdout, want) {
			t.Errorf("uploads list does not show %q: %s", want, l)
		}
	}
	l = runCLI(t, stack.Full, "uploads", "list", target(prefix), "--json")
	var doc struct {
		Uploads []struct {
			Key      string `json:"key"`
			UploadID string `json:"upload_id"`
			Source   string `json:"source"`
			Parts    int    `json:"journaled_parts"`
		} `json:"uploads"`
	}
	if err := json.Unmarshal([]byte(l.Stdout), &doc); l.Code != 0 || err != nil {
		t.Fatalf("uploads list --json: %v: %s", err, l)
	}
	if _, errs := checkUploadsList(l.Stdout); len(errs) > 0 { // the documented schema, on a real upload
		t.Errorf("uploads list --json does not match docs/json-events.md: %v\n%s", errs, l.Stdout)
	}
	if len(doc.Uploads) != 1 || doc.Uploads[0].Key != key || doc.Uploads[0].UploadID != id || doc.Uploads[0].Source != src || doc.Uploads[0].Parts < 1 {
		t.Errorf("uploads list --json = %+v, want upload %s of %s from %s with its journaled parts", doc.Uploads, id, key, src)
	}

	// moto reports every upload as initiated at a fixed date
	// (2010-11-10T20:48:33Z), so the age comparison proper is tested
	// against versitygw (TestUploadsOlderThanVersity).
	if ups := listUploads(t); !motoFixedInitiated(ups, key) {
		young := runCLI(t, stack.Full, "uploads", "abort", target(prefix), "--older-than", "1h")
		if young.Code != 0 || !strings.Contains(young.Stderr+young.Stdout, "no unfinished multipart uploads older than 1h") {
			t.Errorf("abort --older-than 1h: %s", young)
		}
		if oneUpload(t, key) != id || journalFor(t, key) == nil {
			t.Fatal("abort --older-than 1h removed a younger upload or its journal")
		}
	}

	time.Sleep(1500 * time.Millisecond)
	a := runCLI(t, stack.Full, "uploads", "abort", target(prefix), "--older-than", "1s")
	if a.Code != 0 || !strings.Contains(a.Stderr+a.Stdout, "aborted") || !strings.Contains(a.Stderr+a.Stdout, id) {
		t.Errorf("abort --older-than 1s: %s", a)
	}
	noUploadFor(t, key)
	if rec := journalFor(t, key); rec != nil {
		t.Errorf("journal %s of the aborted upload left", rec.Path)
	}
	if l := runCLI(t, stack.Full, "uploads", "list", target(prefix)); l.Code != 0 || !strings.Contains(l.Stdout, "no unfinished multipart uploads") {
		t.Errorf("uploads list after the abort: %s", l)
	}
}

// --older-than against a server with real initiation times (versitygw): an
// upload younger than the age is kept, an older one aborted.
func TestUploadsOlderThanVersity(t *testing.T) {
	v := startVersityGW(t)
	env := versityEnv(v)
	prefix := flatKey(t, "dir")
	oldKey, youngKey := prefix+"_old.bin", prefix+"_young.bin"
	oldID := versityUpload(t, v, oldKey)
	l := runIn(t, env, "uploads", "list", versityTarget(v, prefix))
	if l.Code != 0 || !strings.Contains(l.Stdout, oldID) {
		t.Fatalf("uploads list does not show %s: %s", oldID, l)
	}
	if a := runIn(t, env, "uploads", "abort", versityTarget(v, prefix), "--older-than", "1h"); a.Code != 0 {
		t.Fatalf("abort --older-than 1h: %s", a)
	}
	if ids := versityUploads(t, v, prefix); len(ids) != 1 || ids[0] != oldID {
		t.Fatalf("after abort --older-than 1h: uploads %v, want %s kept", ids, oldID)
	}
	time.Sleep(3500 * time.Millisecond)
	youngID := versityUpload(t, v, youngKey)
	a := runIn(t, env, "uploads", "abort", versityTarget(v, prefix), "--older-than", "2500ms")
	if a.Code != 0 || !strings.Contains(a.Stderr+a.Stdout, oldID) {
		t.Errorf("abort --older-than 2500ms: %s", a)
	}
	if ids := versityUploads(t, v, prefix); len(ids) != 1 || ids[0] != youngID {
		t.Errorf("after abort --older-than 2500ms: uploads %v, want only the young %s", ids, youngID)
	}
	// 0 means all: the upload started seconds ago goes too.
	if a := runIn(t, env, "uploads", "abort", versityTarget(v, prefix), "--older-than", "0"); a.Code != 0 || !strings.Contains(a.Stderr, youngID) {
		t.Errorf("abort --older-than 0: %s", a)
	}
	if ids := versityUploads(t, v, prefix); len(ids) != 0 {
		t.Errorf("after abort --older-than 0: uploads %v left, want none", ids)
	}
}

// abort s3://B/KEY --upload-id ID removes that upload and its journal.
func TestUploadsAbortByID(t *testing.T) {
	src, _ := makeFile(t, 24*size.MiB)
	key := flatKey(t, "obj.bin")
	cleanupKey(t, key)
	id := abandonUpload(t, src, key)
	a := runCLI(t, stack.Full, "uploads", "abort", target(key), "--upload-id", id)
	if a.Code != 0 || !strings.Contains(a.Stderr+a.Stdout, id) {
		t.Errorf("uploads abort --upload-id: %s", a)
	}
	noUploadFor(t, key)
	if rec := journalFor(t, key); rec != nil {
		t.Errorf("journal %s of the aborted upload left", rec.Path)
	}
}

// abort --upload-id of an upload S3 does not have (NoSuchUpload) fails,
// exit 1, saying so: it is never reported as aborted.
func TestUploadsAbortUnknownID(t *testing.T) {
	key := flatKey(t, "obj.bin")
	r := runCLI(t, stack.Full, "uploads", "abort", target(key), "--upload-id", "bogus")
	if r.Code != 1 {
		t.Fatalf("abort of an unknown upload id: exit %d, want 1: %s", r.Code, r)
	}
	want := "no multipart upload bogus for " + target(key) + ": it was completed, aborted, or never existed"
	if !strings.Contains(r.Stderr, want) || !strings.Contains(r.Stderr, "NoSuchUpload") {
		t.Errorf("stderr does not say %q (NoSuchUpload): %s", want, r)
	}
	if strings.Contains(r.Stderr+r.Stdout, "aborted s3://") {
		t.Errorf("an unknown upload reported as aborted: %s", r)
	}
}

// --older-than 0s aborts every upload under the prefix, and its journal.
func TestUploadsAbortOlderThanZero(t *testing.T) {
	src, _ := makeFile(t, 24*size.MiB)
	prefix := flatKey(t, "zero")
	key := prefix + "_obj.bin"
	cleanupKey(t, key)
	id := abandonUpload(t, src, key)
	a := runCLI(t, stack.Full, "uploads", "abort", target(prefix), "--older-than", "0s")
	if a.Code != 0 || !strings.Contains(a.Stderr, "aborted "+target(key)+" (upload "+id+")") {
		t.Fatalf("abort --older-than 0s: %s", a)
	}
	noUploadFor(t, key)
	if rec := journalFor(t, key); rec != nil {
		t.Errorf("journal %s of the aborted upload left", rec.Path)
	}
}

// Bad input to uploads list/abort exits 2 with one line, before any request.
func TestUploadsBadInput(t *testing.T) {
	bucket := "s3://" + stack.Bucket
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"abort without id or age", []string{"abort", bucket + "/k"}, "exactly one of"},
		{"abort with id and age", []string{"abort", bucket + "/k", "--upload-id", "x", "--older-than", "1d"}, "exactly one of"},
		{"unreadable age", []string{"abort", bucket + "/p", "--older-than", "soon"}, "--older-than"},
		{"negative age", []string{"abort", bucket + "/p", "--older-than", "-1h"}, "--older-than"},
		{"id without key", []string{"abort", bucket, "--upload-id", "x"}, "s3://BUCKET/KEY"},
		{"abort not an S3 URL", []string{"abort", "bucket/k", "--upload-id", "x"}, "S3 URL"},
		{"list not an S3 URL", []string{"list", "bucket/k"}, "S3 URL"},
		{"list without argument", []string{"list"}, "expected 1 argument"},
		{"list two arguments", []string{"list", bucket, bucket}, "expected 1 argument"},
		{"unknown flag", []string{"list", bucket, "--frobnicate"}, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack.ResetCounts()
			r := runCLI(t, stack.Full, append([]string{"uploads"}, tt.args...)...)
			if r.Code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.Code, r)
			}
			if lines := strings.Split(strings.TrimSpace(r.Stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("want one line containing %q, got: %q", tt.want, r.Stderr)
			}
			if n := totalRequests(stack.Counts()); n != 0 {
				t.Errorf("%d requests were sent for bad input", n)
			}
		})
	}
}

// motoFixedInitiated reports whether key's upload carries moto's fixed
// initiation date rather than a real one.
func motoFixedInitiated(ups []types.MultipartUpload, key string) bool {
	for _, u := range ups {
		if aws.ToString(u.Key) == key {
			return aws.ToTime(u.Initiated).Before(time.Now().Add(-24 * time.Hour))
		}
	}
	return false
}

// versityUpload starts an upload of key on v with one small part and
// returns its id.
func versityUpload(t *testing.T, v *teststack.Versity, key string) string {
	t.Helper()
	c, ctx := versityS3(v), context.Background()
	out, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(v.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: out.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(make([]byte, 1024))}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.UploadId)
}

// versityUploads lists the ids of v's uploads under prefix.
func versityUploads(t *testing.T, v *teststack.Versity, prefix string) []string {
	t.Helper()
	out, err := versityS3(v).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(v.Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range out.Uploads {
		ids = append(ids, aws.ToString(u.UploadId))
	}
	return ids
}

// abort --older-than skips an upload whose journal is locked by a running
// cp, whatever its age: the running upload completes. (The gate reports
// real start times, so the upload is let age past --older-than first.)
func TestUploadsAbortSkipsRunningUpload(t *testing.T) {
	src, sum := makeFile(t, 40*size.MiB)
	prefix := flatKey(t, "live")
	key := prefix + "_obj.bin"
	cleanupKey(t, key)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, kmsCp(src, key, "--concurrency", "1")...)
	waitFor(t, time.Minute, "the first part to be acknowledged", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 1
	})
	time.Sleep(1100 * time.Millisecond) // older than --older-than 1s
	ab := runCLI(t, stack.Full, "uploads", "abort", target(prefix), "--older-than", "1s")
	if ab.Code != 0 || !strings.Contains(ab.Stderr, "skipped") || !strings.Contains(ab.Stderr, "pid") {
		t.Fatalf("abort of a running upload: want it skipped naming the pid: %s", ab)
	}
	stack.SetFaults(teststack.Faults{})
	if r := run.wait(t); r.Code != 0 {
		t.Fatalf("the running upload failed after the abort attempt: %s", r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Fatal("stored object differs from the source")
	}
}
