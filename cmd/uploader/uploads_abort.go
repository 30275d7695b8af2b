package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/upload"
)

func runUploadsAbort(cmd *cobra.Command, g *globalOptions, o *uploadsOptions, arg string) error {
	if (o.uploadID == "") == (o.olderThan == "") {
		return usagef(errors.New("give exactly one of --upload-id ID (with s3://BUCKET/KEY) or --older-than AGE (with s3://BUCKET[/PREFIX])"))
	}
	var age time.Duration
	if o.olderThan != "" {
		var err error
		if age, err = parseAge(o.olderThan); err != nil {
			return usagef(err)
		}
	}
	e, stop, err := o.env(cmd, g, arg)
	if err != nil {
		return err
	}
	defer stop()
	if o.uploadID != "" {
		return abortByID(g, e, o.uploadID)
	}
	return abortOlderThan(g, e, o.olderThan, age)
}

// abortByID aborts the one upload the user named. S3 knowing no such
// upload is a failure (exit 1): the id is wrong, or the upload ended.
func abortByID(g *globalOptions, e *uploadsEnv, id string) error {
	if e.target.Key == "" {
		return usagef(errors.New("--upload-id needs the object: s3://BUCKET/KEY"))
	}
	rep, err := upload.AbortUpload(e.ctx, e.client, upload.AbortUploadOptions{Bucket: e.target.Bucket, Key: e.target.Key, UploadID: id, Journals: e.store})
	if err == nil {
		g.infof("aborted s3://%s/%s (upload %s)\n", e.target.Bucket, e.target.Key, id)
	}
	printCleaned(g, rep.Cleaned)
	var gone *upload.NoSuchUploadError
	if err != nil && !errors.As(err, &gone) {
		err = fmt.Errorf("aborting s3://%s/%s (upload %s): %w", e.target.Bucket, e.target.Key, id, err)
	}
	if err != nil {
		return signalFailure(e.ctx, err)
	}
	return nil
}

// abortOlderThan aborts every upload under the prefix older than age (0:
// all). An upload a running cp holds is skipped; one that ended since the
// listing (NoSuchUpload) raced with its completion: reported, not a
// failure.
func abortOlderThan(g *globalOptions, e *uploadsEnv, ageText string, age time.Duration) error {
	rep, err := upload.AbortUploadsOlderThan(e.ctx, e.client, upload.AbortOlderThanOptions{
		Bucket: e.target.Bucket, Prefix: e.target.Key, OlderThan: age, Journals: e.store})
	for _, r := range rep.Results {
		u := r.Upload
		var gone *upload.NoSuchUploadError
		var locked *upload.LockedError
		switch {
		case r.Err == nil:
			g.infof("aborted s3://%s/%s (upload %s)\n", u.Bucket, u.Key, u.UploadID)
		case errors.As(r.Err, &locked):
			fmt.Fprintf(g.stderr, "uploader: skipped s3://%s/%s (upload %s): %v\n", u.Bucket, u.Key, u.UploadID, r.Err)
		case errors.As(r.Err, &gone):
			g.infof("note: s3://%s/%s (upload %s) ended before it could be aborted: it was completed or aborted since it was listed (S3: NoSuchUpload)\n", u.Bucket, u.Key, u.UploadID)
		default:
			fmt.Fprintf(g.stderr, "uploader: aborting %s (%s): %v\n", u.Key, u.UploadID, r.Err)
		}
	}
	printCleaned(g, rep.Cleaned)
	var failed *upload.AbortsFailedError
	switch {
	case errors.As(err, &failed):
		return &exitError{code: ExitFailed, err: err, reported: true}
	case err != nil:
		return signalFailure(e.ctx, err)
	}
	if len(rep.Results) == 0 {
		if age == 0 {
			g.infof("no unfinished multipart uploads under s3://%s/%s\n", e.target.Bucket, e.target.Key)
		} else {
			g.infof("no unfinished multipart uploads older than %s under s3://%s/%s\n", ageText, e.target.Bucket, e.target.Key)
		}
	}
	return nil
}
