package outside

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// backupJob is a nightly backup job as an embedder writes it with the
// exported API only: count the tree, preflight once as its largest file
// (plus the listing the skip rule reads), upload the set with excludes
// and the sync rule, and map the summary to an exit status.
func backupJob(t *testing.T, dir, prefix string, journals *upload.Journals) (tree.Summary, int) {
	t.Helper()
	ctx := testCtx(t)
	cfg := awsConfig(stack.Full)
	s3c := s3.NewFromConfig(cfg)
	walk := tree.WalkOptions{Rules: []tree.Rule{tree.Exclude("*.tmp"), tree.Exclude("cache/*")}}
	opts := upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 4, Journals: journals}
	totals, err := tree.Count(dir, prefix, walk)
	if err != nil {
		t.Fatalf("tree.Count: %v", err)
	}
	plan, err := upload.MakePlan(totals.Largest.Size, upload.PlanOptions{PartSize: partSize, Threshold: threshold})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := preflight.Run(ctx, preflightClients(cfg), preflight.Options{
		Bucket: stack.Bucket, Key: prefix + totals.Largest.Rel, SSE: kmsSSE(), Plan: plan, Concurrency: 4,
		Source: totals.Largest.Path, Canary: true, Region: cfg.Region,
	})
	if err == nil {
		err = preflight.CheckList(ctx, s3c, &rep, stack.Bucket, prefix)
	}
	if err != nil || rep.Failed() {
		t.Fatalf("preflight: %v, verdict %s:\n%s", err, rep.Verdict, reportText(rep))
	}
	opts.Diagnostics = upload.Diagnostics{Principal: rep.Principal, KeyARN: rep.KeyARN, Hint: rep.Hint, Region: cfg.Region}
	sum, err := tree.Run(ctx, upload.New(s3c, opts), tree.Options{
		Root: dir, Bucket: stack.Bucket, Prefix: prefix, Walk: walk,
		Input: upload.Input{SSE: kmsSSE()},
		Skip:  tree.SkipSync, Lister: s3c, Journals: journals,
		OnResult: func(r tree.FileResult) {
			if r.Class != tree.OK && r.Class != tree.Skipped {
				t.Logf("%s: %v: %v", r.Key, r.Class, r.Err)
			}
		},
	})
	if err != nil {
		t.Fatalf("tree.Run: %v", err)
	}
	return sum, tree.ExitCode(sum, 0)
}

// 9. A backup set through package tree: the first night uploads what the
// rules select, the second (nothing changed) sends nothing, the third
// sends the file rewritten in place.
func TestBackupJob(t *testing.T) {
	needStack(t)
	dir := t.TempDir()
	sums := map[string]string{}
	for name, n := range map[string]int64{"db/dump.bin": 12 << 20, "etc/a.conf": 100, "etc/b.conf": 200, "notes.txt": 300} {
		_, sums[name] = makeFile(t, dir, name, n)
	}
	makeFile(t, dir, "x.tmp", 10)
	makeFile(t, dir, "cache/c.bin", 10)
	prefix := testPrefix(t)
	t.Cleanup(func() { abortAll(t, prefix) })
	journals, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	sum, code := backupJob(t, dir, prefix, journals)
	if code != 0 || sum.Count(tree.OK) != 4 || sum.Entries != 4 {
		t.Fatalf("first night: exit %d, %+v", code, sum)
	}
	for name, want := range sums {
		if got := getObject(t, prefix+name); got.SHA256 != want {
			t.Errorf("%s: stored %s, want %s", name, got.SHA256, want)
		}
	}
	sum, code = backupJob(t, dir, prefix, journals)
	if code != 0 || sum.Existing != 4 || sum.Count(tree.OK) != 0 {
		t.Fatalf("second night: exit %d, %+v", code, sum)
	}
	_, sums["notes.txt"] = makeFile(t, dir, "notes.txt", 300)
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "notes.txt"), future, future); err != nil {
		t.Fatal(err)
	}
	sum, code = backupJob(t, dir, prefix, journals)
	if code != 0 || sum.Existing != 3 || sum.Count(tree.OK) != 1 {
		t.Fatalf("third night: exit %d, %+v", code, sum)
	}
	if got := getObject(t, prefix+"notes.txt"); got.SHA256 != sums["notes.txt"] {
		t.Errorf("notes.txt not sent again")
	}
	out, err := s3Client(stack.Full).ListObjectsV2(testCtx(t), &s3.ListObjectsV2Input{Bucket: aws.String(stack.Bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Contents {
		if k := aws.ToString(o.Key); strings.HasSuffix(k, ".tmp") || strings.Contains(k, "cache/") {
			t.Errorf("%s was uploaded despite the excludes", k)
		}
	}
}
