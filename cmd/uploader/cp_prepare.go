package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/source"
	"github.com/uploader-dev/uploader/upload"
)

// prepare validates flags, the profile's s3 settings and the source before
// any request. Every error is a usage error (exit 2).
func (o *cpOptions) prepare(cmd *cobra.Command, g *globalOptions, src, dst string) (*cpJob, func(), error) {
	if err := uploadOnly(src); err != nil {
		return nil, nil, usagef(err)
	}
	input, err := o.objectInput(cmd)
	if err != nil {
		return nil, nil, err
	}
	opts, err := o.transferOptions(cmd, g)
	if err != nil {
		return nil, nil, err
	}
	job := &cpJob{src: src, opts: opts}
	cleanup := func() {}
	base := ""
	if src == "-" {
		job.body, job.size = os.Stdin, -1
	} else {
		if cmd.Flags().Changed("expected-size") {
			return nil, nil, usagef(errors.New("--expected-size is for stdin (-); a file's size is known"))
		}
		if fi, err := os.Stat(src); err == nil && fi.IsDir() {
			return nil, nil, usagef(fmt.Errorf("source %s is a directory: add --recursive to upload the files in it (or send one archive: tar c %s | uploader cp - s3://BUCKET/KEY)", src, shellQuote(src)))
		}
		f, fi, err := openSource(src, fmt.Sprintf("uploader cp - %s < %s", shellQuote(dst), shellQuote(src)))
		if err != nil {
			return nil, nil, usagef(err)
		}
		cleanup = func() { f.Close() }
		abs, err := filepath.Abs(src)
		if err != nil {
			cleanup()
			return nil, nil, usagef(err)
		}
		job.body, job.size, job.absPath, base = f, fi.Size(), abs, filepath.Base(src)
	}
	if job.target, err = s3url.ParseObject(dst, base); err != nil {
		cleanup()
		return nil, nil, usagef(err)
	}
	if src != "-" { // a stream is never journaled
		if err := checkStateDir(job.opts.Journals.Dir(), cmd.Flags().Changed("state-dir")); err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	asked, from := job.opts.PartSize, "--part-size"
	if !cmd.Flags().Changed("part-size") {
		from = "multipart_chunksize (profile)"
	}
	if err := o.streamPartSize(job); err != nil {
		cleanup()
		return nil, nil, err
	}
	if job.plan, err = upload.MakePlan(job.size, upload.PlanOptions{Threshold: job.opts.Threshold, PartSize: job.opts.PartSize}); err != nil {
		cleanup()
		return nil, nil, err
	}
	expected, _ := size.Parse(o.expectedSize) // validated by streamPartSize
	if n := partSizeNote(asked, from, job.plan, expected); n != "" {
		job.notes = append(job.notes, n)
	}
	job.input = input
	job.input.Bucket, job.input.Key = job.target.Bucket, job.target.Key
	job.input.Body, job.input.Size, job.input.SourcePath = job.body, job.size, job.absPath
	job.input.ContentType = o.contentTypeOf(job.target.Key)
	return job, cleanup, nil
}

// objectInput is the object flags' input plus cp's own --no-overwrite.
func (o *cpOptions) objectInput(cmd *cobra.Command) (upload.Input, error) {
	in, err := o.input(cmd)
	in.NoOverwrite = o.noOverwrite
	return in, err
}

// transferOptions merges the profile's s3 block (as the aws CLI reads it)
// with the flags, which win.
func (o *cpOptions) transferOptions(cmd *cobra.Command, g *globalOptions) (upload.Options, error) {
	set, err := awsconfig.LoadS3Settings(g.profile)
	if err != nil {
		return upload.Options{}, usagef(err)
	}
	opts := upload.Options{
		Threshold: set.MultipartThreshold, PartSize: set.MultipartChunksize,
		Concurrency: upload.DefaultConcurrency, MaxBandwidth: set.MaxBandwidth,
		AbortOnFailure: o.abortOnFailure,
	}
	g.net.applyUpload(&opts)
	if opts.PartSize != 0 { // the aws CLI clamps a configured chunk size to S3's range
		opts.PartSize = min(max(opts.PartSize, upload.MinPartSize), upload.MaxPartSize)
	}
	if set.MaxConcurrentRequests > 0 {
		opts.Concurrency = set.MaxConcurrentRequests
	}
	flags := cmd.Flags()
	if flags.Changed("part-size") {
		if opts.PartSize, err = size.Parse(o.partSize); err != nil {
			return opts, usagef(fmt.Errorf("--part-size: %v", err))
		}
	}
	if flags.Changed("multipart-threshold") {
		if opts.Threshold, err = size.Parse(o.threshold); err != nil || opts.Threshold < 1 {
			return opts, usagef(fmt.Errorf("--multipart-threshold %q: write a size such as 64MiB", o.threshold))
		}
	}
	if flags.Changed("concurrency") {
		opts.Concurrency = o.concurrency
	}
	if opts.Concurrency < 1 || opts.Concurrency > 1000 {
		return opts, usagef(fmt.Errorf("--concurrency %d is out of range: use 1 to 1000", opts.Concurrency))
	}
	if flags.Changed("max-bandwidth") {
		if opts.MaxBandwidth, err = parseRate(o.maxBandwidth); err != nil {
			return opts, usagef(err)
		}
	}
	if o.retries < 0 || o.retries > 100 {
		return opts, usagef(fmt.Errorf("--retries %d is out of range: use 0 to 100", o.retries))
	}
	if opts.Checksum, opts.NoChecksum, err = o.checksums(); err != nil {
		return opts, err
	}
	// --no-resume still journals the new upload, so that one can resume.
	if opts.Journals, err = upload.OpenJournals(o.stateDir); err != nil {
		return opts, usagef(fmt.Errorf("--state-dir: %v", err))
	}
	opts.NoResume = o.noResume
	return opts, nil
}

// streamPartSize picks a stdin part size that fits --expected-size.
func (o *cpOptions) streamPartSize(job *cpJob) error {
	if job.size >= 0 || o.expectedSize == "" {
		return nil
	}
	want, err := size.Parse(o.expectedSize)
	if err != nil {
		return usagef(fmt.Errorf("--expected-size: %v", err))
	}
	base := job.opts.PartSize
	if base == 0 {
		base = upload.DefaultStreamPartSize
	}
	p, err := upload.MakePlan(want, upload.PlanOptions{PartSize: base, Threshold: 1})
	if err != nil {
		return err
	}
	if p.Multipart {
		job.opts.PartSize = p.PartSize
	}
	return nil
}

// parseRate reads --max-bandwidth: a size per second (50MiB/s, 100MB/s, or
// bytes per second as a plain number).
func parseRate(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	n, err := size.Parse(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("--max-bandwidth %q: write a rate such as 50MiB/s", s)
	}
	return n, nil
}

// openSource opens a regular, readable file, never blocking: a FIFO,
// socket or device is refused before it is opened (opening a FIFO waits
// for a writer), with the command that reads it as a stream instead.
func openSource(path, streamCmd string) (*os.File, os.FileInfo, error) {
	f, fi, err := source.Open(path)
	var nr *source.NotRegularError
	switch {
	case err == nil:
		return f, fi, nil
	case errors.Is(err, os.ErrNotExist):
		return nil, nil, fmt.Errorf("source %s does not exist: check the path", path)
	case errors.Is(err, os.ErrPermission):
		return nil, nil, fmt.Errorf("source %s is not readable: check its permissions", path)
	case errors.As(err, &nr) && !nr.Stream():
		return nil, nil, fmt.Errorf("source %s is a directory: upload a file (e.g. tar c DIR | uploader cp - s3://BUCKET/KEY)", path)
	case errors.As(err, &nr):
		return nil, nil, fmt.Errorf("source %s is a %s, not a regular file: read it as a stream from standard input: %s", path, nr.Kind, streamCmd)
	}
	return nil, nil, fmt.Errorf("source %s: %v", path, err)
}
