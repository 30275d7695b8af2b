package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/internal/walk"
	"github.com/uploader-dev/uploader/upload"
)

// setJob is a validated cp --recursive: the tree walked, every file's key
// and plan made, nothing sent.
type setJob struct {
	root   string    // DIR as given, for messages
	target s3url.URL // Key is the prefix: "" (the bucket's root) or ending in "/"
	// items are the walk's entries in its order: the files to upload and
	// what it could not list as one (special files, loops, broken paths).
	items   []*setItem
	files   int   // regular files
	bytes   int64 // their total size
	largest *setItem
	// input holds what every file's upload shares (encryption, headers);
	// each file adds its key, body and size.
	input upload.Input
	opts  upload.Options
}

// setItem is one entry of the set.
type setItem struct {
	entry walk.Entry
	key   string
	plan  upload.Plan // Regular only
	// bad is why S3 cannot take the key: the file fails without a request.
	bad error
}

// target is the item's s3:// URL.
func (it *setItem) target(bucket string) string { return "s3://" + bucket + "/" + it.key }

// prepareSet validates a cp --recursive before any request. Every error
// is a usage error (exit 2), with the fix.
func (o *cpOptions) prepareSet(cmd *cobra.Command, g *globalOptions, src, dst string) (*setJob, error) {
	if src == "-" {
		return nil, usagef(errors.New("--recursive uploads a directory, and - is standard input (one stream): drop --recursive to upload the stream"))
	}
	if cmd.Flags().Changed("expected-size") {
		return nil, usagef(errors.New("--expected-size is for stdin (-); the sizes of a directory's files are known"))
	}
	input, err := o.objectInput(cmd)
	if err != nil {
		return nil, err
	}
	opts, err := o.transferOptions(cmd, g)
	if err != nil {
		return nil, err
	}
	root, err := setRoot(src)
	if err != nil {
		return nil, usagef(err)
	}
	u, err := s3url.Parse(dst)
	if err != nil {
		return nil, usagef(err)
	}
	if u.Key != "" && !strings.HasSuffix(u.Key, "/") {
		u.Key += "/" // s3://B/P means the prefix P/, as in the aws CLI
	}
	entries, err := walk.Walk(root, walk.Options{Filter: o.set.rules, NoFollowSymlinks: o.set.noFollowSymlinks})
	if err != nil {
		return nil, usagef(fmt.Errorf("source %s: %v", src, err))
	}
	job := &setJob{root: src, target: u, input: input, opts: opts}
	for _, e := range entries {
		it := &setItem{entry: e, key: u.Key + e.Rel}
		job.items = append(job.items, it)
		if e.Kind != walk.Regular {
			continue
		}
		if it.bad = checkKey(it.key); it.bad != nil {
			continue
		}
		if it.plan, err = upload.MakePlan(e.Size, upload.PlanOptions{Threshold: opts.Threshold, PartSize: opts.PartSize}); err != nil {
			return nil, usagef(fmt.Errorf("%s: %v", e.Path, err))
		}
		job.files++
		job.bytes += e.Size
		if job.largest == nil || e.Size > job.largest.entry.Size {
			job.largest = it
		}
	}
	return job, nil
}

// setRoot is the directory to walk, as an absolute path, so every file's
// path (its resume journal's identity) is the same from any working
// directory.
func setRoot(src string) (string, error) {
	fi, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("source %s does not exist: check the path", src)
	case errors.Is(err, fs.ErrPermission):
		return "", fmt.Errorf("source %s is not readable: check its permissions", src)
	case err != nil:
		return "", fmt.Errorf("source %s: %v", src, err)
	case !fi.IsDir():
		return "", fmt.Errorf("source %s is a file, not a directory: drop --recursive to upload it", src)
	}
	return filepath.Abs(src)
}

// checkKey refuses keys S3 cannot store: S3 keys are UTF-8, at most 1024
// bytes. Such a file fails on its own; the others go on.
func checkKey(key string) error {
	switch {
	case !utf8.ValidString(key):
		return fmt.Errorf("its key %q is not valid UTF-8, which S3 requires: rename the file", key)
	case len(key) > 1024:
		return fmt.Errorf("its key is %d bytes long; S3 takes at most 1024: use a shorter prefix or path", len(key))
	}
	return nil
}
