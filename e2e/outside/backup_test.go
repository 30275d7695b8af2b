package outside

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// backupJob is a nightly backup job as an embedder writes it with the
// exported API only: count the tree, preflight once as its largest file
// (plus the listing the skip rule reads), upload the set with excludes and
// the sync rule, then a tar stream of another folder made by a command,
// and map both results to one exit status, as the CLI ranks them. It
// returns the tar upload's error too, for a caller that reads what the
// command exited with (a *upload.CommandError).
func backupJob(t *testing.T, dir, tarDir, prefix string, journals *upload.Journals) (tree.Summary, int, error) {
	t.Helper()
	ctx := testCtx(t)
	cfg := awsConfig(stack.Full)
	s3c := s3.NewFromConfig(cfg)
	walk := tree.WalkOptions{Rules: []tree.Rule{tree.Exclude("*.tmp"), tree.Exclude("cache/*")}}
	po := upload.PlanOptions{PartSize: partSize, Threshold: threshold}
	totals, err := tree.Count(dir, prefix, walk)
	if err != nil {
		t.Fatalf("tree.Count: %v", err)
	}

	// One preflight for the night: the largest file decides what must pass.
	pre, err := preflight.Options{Bucket: stack.Bucket, SSE: kmsSSE(), Concurrency: 4, Canary: true, Region: cfg.Region}.
		ForLargest(totals.Largest.Path, prefix+totals.Largest.Rel, totals.Largest.Size, po)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := preflight.Run(ctx, preflightClients(cfg), pre)
	if err == nil {
		err = preflight.CheckList(ctx, s3c, &rep, stack.Bucket, prefix)
	}
	if err != nil || rep.Failed() || rep.Inconclusive() {
		t.Fatalf("preflight: %v, verdict %s:\n%s", err, rep.Verdict, rep.RemedyText())
	}
	diag := rep.Diagnostics()
	if diag.Region == "" {
		diag.Region = cfg.Region
	}
	u := upload.New(s3c, upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 4,
		Journals: journals, Diagnostics: diag, KMS: kms.NewFromConfig(cfg)})

	// The directory, rerun every night: the sync rule from one listing.
	sum, err := tree.Run(ctx, u, tree.Options{
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
	code := tree.ExitCode(sum, 0)

	// A stream from a command: a tar that fails fails the upload, and
	// nothing is stored.
	body, err := upload.CommandOutput(exec.CommandContext(ctx, "tar", tarArgs(tarDir)...))
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	_, err = u.Upload(ctx, upload.Input{Bucket: stack.Bucket, Key: prefix + "etc.tar", Body: body, Size: -1, SSE: kmsSSE()})
	return sum, worst(code, exitStatus(err)), err
}

// tarArgs is the job's tar command line for tarDir (without "tar").
func tarArgs(tarDir string) []string { return []string{"-c", "-f", "-", "-C", tarDir, "."} }

// localTar runs the job's tar command here, outside the upload, and returns
// its output's SHA-256 and its exit status (what the job's tar exited with
// when tarDir is as it was for the job).
func localTar(t *testing.T, tarDir string) (string, int) {
	t.Helper()
	h := sha256.New()
	cmd := exec.Command("tar", tarArgs(tarDir)...)
	cmd.Stdout = h
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return hex.EncodeToString(h.Sum(nil)), 0
	case errors.As(err, &exit):
		return hex.EncodeToString(h.Sum(nil)), exit.ExitCode()
	}
	t.Fatalf("tar: %v", err)
	return "", -1
}

// storedTar downloads the tar at key and returns its regular files' contents
// by name.
func storedTar(t *testing.T, key string) map[string][]byte {
	t.Helper()
	c := s3Client(stack.Full, func(o *s3.Options) { o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired })
	out, err := c.GetObject(testCtx(t), &s3.GetObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(out.Body)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: reading the tar: %v", key, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: reading %s: %v", key, hdr.Name, err)
		}
		files[hdr.Name] = b
	}
}

// exitStatus maps an upload's error to the CLI's exit codes.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	switch upload.Classify(err) {
	case upload.Permanent:
		return 3
	case upload.Transient:
		return 4
	case upload.Interrupted:
		return 130
	}
	return 1
}

// worst ranks two exit codes as the CLI does: 130/143, 3, 4, 1, 0.
func worst(a, b int) int {
	rank := func(c int) int {
		switch c {
		case 0:
			return 0
		case 1:
			return 1
		case 4:
			return 2
		case 3:
			return 3
		}
		return 4
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// 9. A backup set through package tree: the first night uploads what the
// rules select, the second (nothing changed) sends nothing, the third
// sends the file rewritten in place, the fourth's tar fails (its folder is
// gone: the command's exit status reaches the job as a *upload.CommandError),
// and the fifth, with the folder back with new content, is back to normal:
// exit 0, a new etc.tar of the new content, the directory not sent again.
func TestBackupJob(t *testing.T) {
	needStack(t)
	dir := t.TempDir()
	sums := map[string]string{}
	for name, n := range map[string]int64{"db/dump.bin": 12 << 20, "etc/a.conf": 100, "etc/b.conf": 200, "notes.txt": 300} {
		_, sums[name] = makeFile(t, dir, name, n)
	}
	makeFile(t, dir, "x.tmp", 10)
	makeFile(t, dir, "cache/c.bin", 10)
	tarDir := t.TempDir()
	makeFile(t, tarDir, "hosts", 100)
	prefix := testPrefix(t)
	t.Cleanup(func() { abortAll(t, prefix) })
	journals, err := upload.OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	sum, code, _ := backupJob(t, dir, tarDir, prefix, journals)
	if code != 0 || sum.Count(tree.OK) != 4 || sum.Entries != 4 {
		t.Fatalf("first night: exit %d, %+v", code, sum)
	}
	for name, want := range sums {
		if got := getObject(t, prefix+name); got.SHA256 != want {
			t.Errorf("%s: stored %s, want %s", name, got.SHA256, want)
		}
	}
	if !objectExists(t, prefix+"etc.tar") {
		t.Error("the tar stream was not stored")
	}
	sum, code, _ = backupJob(t, dir, tarDir, prefix, journals)
	if code != 0 || sum.Existing != 4 || sum.Count(tree.OK) != 0 {
		t.Fatalf("second night: exit %d, %+v", code, sum)
	}
	_, sums["notes.txt"] = makeFile(t, dir, "notes.txt", 300)
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "notes.txt"), future, future); err != nil {
		t.Fatal(err)
	}
	sum, code, _ = backupJob(t, dir, tarDir, prefix, journals)
	if code != 0 || sum.Existing != 3 || sum.Count(tree.OK) != 1 {
		t.Fatalf("third night: exit %d, %+v", code, sum)
	}
	if got := getObject(t, prefix+"notes.txt"); got.SHA256 != sums["notes.txt"] {
		t.Errorf("notes.txt not sent again")
	}
	// The future mtime made the rewrite newer than the object it replaced;
	// now that it is sent, set it back to the past, as a clock catching up
	// would, or the sync rule sends it again every night for an hour (the
	// file newer than its object), and no later night shows the set unchanged.
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "notes.txt"), past, past); err != nil {
		t.Fatal(err)
	}
	// A night whose tar fails (its folder is gone): the job says so, and
	// the stored tar of the night before is untouched.
	before := getObject(t, prefix+"etc.tar").SHA256
	if err := os.RemoveAll(tarDir); err != nil {
		t.Fatal(err)
	}
	sum, code, tarErr := backupJob(t, dir, tarDir, prefix, journals)
	if code != 1 {
		t.Fatalf("night with a failing tar: exit %d, want 1 (the command's failure)", code)
	}
	if sum.Entries != 4 || sum.Existing != 4 || sum.Count(tree.OK) != 0 {
		t.Errorf("night with a failing tar: the directory changed or was sent again: %+v", sum)
	}
	if got := getObject(t, prefix+"etc.tar").SHA256; got != before {
		t.Error("a failing tar replaced the stored one")
	}
	// The error is the command's (docs/library.md): a *upload.CommandError
	// naming the tar, with the exit status tar really exits with for a
	// missing folder (run here the same way) and the end of its stderr.
	_, tarStatus := localTar(t, tarDir)
	if tarStatus == 0 {
		t.Fatalf("tar of the removed %s exits 0 here: the night does not fail tar", tarDir)
	}
	var ce *upload.CommandError
	var exit *exec.ExitError
	switch {
	case !errors.As(tarErr, &ce):
		t.Errorf("night with a failing tar: error %v (%T), want a *upload.CommandError", tarErr, tarErr)
	case !errors.As(ce.Err, &exit) || exit.ExitCode() != tarStatus:
		t.Errorf("night with a failing tar: CommandError.Err = %v, want tar's exit status %d", ce.Err, tarStatus)
	case !strings.Contains(ce.Command, "tar") || !strings.Contains(ce.Command, tarDir):
		t.Errorf("night with a failing tar: CommandError.Command = %q, want the tar of %s", ce.Command, tarDir)
	case !strings.Contains(ce.Stderr, tarDir):
		t.Errorf("night with a failing tar: CommandError.Stderr = %q, want tar's complaint about %s", ce.Stderr, tarDir)
	}

	// The night after the folder is back (new content): the job is back to
	// normal, stores the new tar, and sends nothing of the directory.
	hosts := []byte("127.0.0.1 localhost\n10.0.0.7 backup.internal\n")
	if err := os.MkdirAll(tarDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tarDir, "hosts"), hosts, 0o644); err != nil {
		t.Fatal(err)
	}
	sum, code, tarErr = backupJob(t, dir, tarDir, prefix, journals)
	if code != 0 || tarErr != nil {
		t.Fatalf("night after the tar's folder is back: exit %d, tar: %v", code, tarErr)
	}
	if sum.Entries != 4 || sum.Existing != 4 || sum.Count(tree.OK) != 0 {
		t.Errorf("night after the tar's folder is back: the directory changed or was sent again: %+v", sum)
	}
	after := getObject(t, prefix+"etc.tar").SHA256
	if after == before {
		t.Error("night after the tar's folder is back: etc.tar is still the one kept from before")
	}
	if want, status := localTar(t, tarDir); status != 0 || after != want {
		t.Errorf("night after the tar's folder is back: stored etc.tar %s, a tar of the folder now %s (exit %d)", after, want, status)
	}
	if files := storedTar(t, prefix+"etc.tar"); len(files) != 1 || !bytes.Equal(files["./hosts"], hosts) {
		t.Errorf("night after the tar's folder is back: etc.tar holds %d file(s), ./hosts %q, want only ./hosts %q", len(files), files["./hosts"], hosts)
	}
	for name, want := range sums {
		if got := getObject(t, prefix+name); got.SHA256 != want {
			t.Errorf("%s: stored %s, want %s", name, got.SHA256, want)
		}
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
