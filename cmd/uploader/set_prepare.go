package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// setJob is a validated cp --recursive: flags checked, nothing walked yet
// (the walk streams) and nothing sent.
type setJob struct {
	root   string    // DIR as given, for messages
	abs    string    // DIR, absolute: a file's path names its resume journal
	target s3url.URL // Key is the prefix: "" (the bucket's root) or ending in "/"
	walk   tree.WalkOptions
	skip   tree.SkipMode
	// input holds what every file's upload shares (encryption, headers);
	// each file adds its key, body and size.
	input upload.Input
	opts  upload.Options
}

// target is a key's s3:// URL.
func (j *setJob) url(key string) string { return "s3://" + j.target.Bucket + "/" + key }

// planOptions are what every file's plan is made with.
func (j *setJob) planOptions() upload.PlanOptions {
	return upload.PlanOptions{Threshold: j.opts.Threshold, PartSize: j.opts.PartSize}
}

// plan is a file's plan; an error is a usage error (the part size cannot
// fit it), decided before any request.
func (j *setJob) plan(e tree.Entry) (upload.Plan, error) {
	p, err := upload.MakePlan(e.Size, j.planOptions())
	if err != nil {
		return p, usagef(fmt.Errorf("%s: %v", e.Path, err))
	}
	return p, nil
}

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
	abs, err := setRoot(src)
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
	skip, err := o.set.skipMode()
	if err != nil {
		return nil, usagef(err)
	}
	return &setJob{root: src, abs: abs, target: u, skip: skip, input: input, opts: opts,
		walk: tree.WalkOptions{Rules: o.set.rules, NoFollowSymlinks: o.set.noFollowSymlinks}}, nil
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
