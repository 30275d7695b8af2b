package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// defaultRetries gives 5 attempts in all, as the aws CLI's default mode.
const defaultRetries = 4

// cpOptions are `uploader cp`'s own flags.
type cpOptions struct {
	sse          sseFlags
	storageClass string
	contentType  string
	metadata     string
	partSize     string
	concurrency  int
	noProgress   bool
	noPreflight  bool
	json         bool
	retries      int
}

func newCpCmd(g *globalOptions) *cobra.Command {
	o := &cpOptions{}
	cmd := &cobra.Command{
		Use:   "cp SOURCE s3://BUCKET/KEY",
		Short: "Upload a file (or - for stdin) to S3",
		Long: strings.TrimSpace(`
Upload SOURCE to s3://BUCKET/KEY. Sources above 8 MiB go multipart, in
parallel parts; smaller ones are one PutObject. A key ending in / takes the
source's file name. With --sse aws:kms the object is encrypted with the key
given, and the upload fails (exit 1) if the server stored it otherwise.

Memory: a file is read in place (no part buffers); stdin ("-") is buffered,
up to (concurrency + 1) x part size.`),
		Example: `  uploader cp backup.tar s3://my-bucket/backups/ --sse aws:kms --sse-kms-key-id alias/backup
  uploader cp db.dump s3://my-bucket/db.dump --part-size 64MiB --concurrency 16`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef(fmt.Errorf("cp takes a source and a target, got %d arguments: uploader cp FILE s3://BUCKET/KEY", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCp(cmd, g, o, args[0], args[1])
		},
	}
	o.sse.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.storageClass, "storage-class", "", "storage class: STANDARD, STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, ...")
	f.StringVar(&o.contentType, "content-type", "", "Content-Type (default: guessed from the file extension)")
	f.StringVar(&o.metadata, "metadata", "", "user metadata: k1=v1,k2=v2 or a JSON object")
	f.StringVar(&o.partSize, "part-size", "", "multipart part size, 5MiB to 5GiB (default: 8MiB, grown to fit 10,000 parts)")
	f.IntVar(&o.concurrency, "concurrency", upload.DefaultConcurrency, "parts uploaded in parallel")
	f.BoolVar(&o.noProgress, "no-progress", false, "do not draw a progress bar")
	f.IntVar(&o.retries, "retries", defaultRetries, "attempts after the first for a request that failed transiently (5xx, SlowDown, timeouts, resets), with exponential backoff and jitter")
	f.BoolVar(&o.json, "json", false, "write newline-delimited JSON events on stdout (start, progress, result); see README")
	f.BoolVar(&o.noPreflight, "no-preflight", false, "skip the permission checks before the upload")
	return cmd
}

// cpJob is a validated cp invocation: everything checked, nothing sent.
type cpJob struct {
	src    string // path, or "-" for stdin
	body   io.Reader
	size   int64 // -1 for stdin
	target s3url.URL
	input  upload.Input
	opts   upload.Options
	plan   upload.Plan
}

// prepare validates flags and the source before any request.
func (o *cpOptions) prepare(cmd *cobra.Command, src, dst string) (*cpJob, func(), error) {
	sse, err := o.sse.sse(cmd)
	if err != nil {
		return nil, nil, err
	}
	meta, err := upload.ParseMetadata(o.metadata)
	if err != nil {
		return nil, nil, usagef(err)
	}
	var partSize int64
	if o.partSize != "" {
		if partSize, err = size.Parse(o.partSize); err != nil {
			return nil, nil, usagef(fmt.Errorf("--part-size: %v", err))
		}
	}
	if o.retries < 0 || o.retries > 100 {
		return nil, nil, usagef(fmt.Errorf("--retries %d is out of range: use 0 to 100", o.retries))
	}
	if o.concurrency < 1 || o.concurrency > 1000 {
		return nil, nil, usagef(fmt.Errorf("--concurrency %d is out of range: use 1 to 1000", o.concurrency))
	}
	job := &cpJob{src: src}
	cleanup := func() {}
	base := ""
	if src == "-" {
		job.body, job.size = os.Stdin, -1
	} else {
		f, fi, err := openSource(src)
		if err != nil {
			return nil, nil, usagef(err)
		}
		cleanup = func() { f.Close() }
		job.body, job.size, base = f, fi.Size(), filepath.Base(src)
	}
	if job.target, err = s3url.ParseObject(dst, base); err != nil {
		cleanup()
		return nil, nil, usagef(err)
	}
	contentType := o.contentType
	if contentType == "" {
		contentType = mime.TypeByExtension(filepath.Ext(job.target.Key))
	}
	job.input = upload.Input{
		Bucket: job.target.Bucket, Key: job.target.Key, Body: job.body, Size: job.size,
		SSE: sse, ContentType: contentType, Metadata: meta, StorageClass: o.storageClass,
	}
	job.opts = upload.Options{PartSize: partSize, Concurrency: o.concurrency}
	if job.plan, err = upload.MakePlan(job.size, upload.PlanOptions{PartSize: partSize}); err != nil {
		cleanup()
		return nil, nil, err
	}
	return job, cleanup, nil
}

// openSource opens a regular, readable file.
func openSource(path string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, nil, fmt.Errorf("source %s does not exist: check the path", path)
		case errors.Is(err, os.ErrPermission):
			return nil, nil, fmt.Errorf("source %s is not readable: check its permissions", path)
		}
		return nil, nil, fmt.Errorf("source %s: %v", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("source %s: %v", path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		if fi.IsDir() {
			return nil, nil, fmt.Errorf("source %s is a directory: upload a file (e.g. tar c DIR | uploader cp - s3://BUCKET/KEY)", path)
		}
		return nil, nil, fmt.Errorf("source %s is not a regular file: use - to read a stream from stdin", path)
	}
	return f, fi, nil
}

func runCp(cmd *cobra.Command, g *globalOptions, o *cpOptions, src, dst string) error {
	job, cleanup, err := o.prepare(cmd, src, dst)
	if err != nil {
		return err
	}
	defer cleanup()

	ctx, stop := signalContext(cmd.Context())
	defer stop()

	cfg, err := g.awsConfig(ctx, o.retries+1)
	if err != nil {
		return usagef(err)
	}
	var events *jsonEvents
	if o.json {
		events = newJSONEvents(g.stdout, job.src, job.target.String())
	}
	var rep *preflight.Report
	if !o.noPreflight {
		r, err := cpPreflight(ctx, g, cfg, job, events)
		if err != nil {
			return err
		}
		rep = &r
		if r.BucketRegion != "" && r.BucketRegion != cfg.Region {
			cfg.Region = r.BucketRegion // preflight warned; upload where the bucket is
		}
	}
	client := awsconfig.S3(cfg, g.endpointURL)
	stsClient := awsconfig.STS(cfg)

	var ls listeners
	var bar *barListener
	if !g.quiet && !o.noProgress && isTerminal(os.Stderr) {
		bar = newBarListener(g.stderr, filepath.Base(job.target.Key))
		ls = append(ls, bar)
	}
	if events != nil {
		ls = append(ls, events)
	}
	job.opts.Listener = ls
	job.opts.Diagnostics = upload.Diagnostics{
		Region: cfg.Region,
		// Only on a diagnosed failure: the remedy names the principal.
		LookupPrincipal: func(ctx context.Context) (string, error) {
			out, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Arn), nil
		},
	}
	if rep != nil {
		job.opts.Diagnostics.Principal = rep.Principal
		job.opts.Diagnostics.KeyARN = rep.KeyARN
		job.opts.Diagnostics.Hint = rep.Hint
		if job.input.SSE.Mode == "" && rep.KeyARN != "" {
			job.opts.Diagnostics.BucketSSE = upload.SSEKMS
		}
	}
	g.infof("%s\n", describePlan(job))
	start := time.Now()
	res, err := upload.New(client, job.opts).Upload(ctx, job.input)
	if bar != nil {
		bar.finish(err == nil)
	}
	if err != nil {
		return reportCpFailure(g, events, job, cpFailure(ctx, err))
	}
	elapsed := time.Since(start)
	if events != nil {
		events.result(resultEvent{Status: "ok", Bytes: res.Size, ETag: res.ETag, VersionID: res.VersionID,
			UploadID: res.UploadID, SSE: res.SSE, KMSKeyID: res.KMSKeyID})
	}
	g.infof("uploaded %s to s3://%s/%s: %s in %s (%s/s)%s\n", job.src, res.Bucket, res.Key,
		size.Format(res.Size), elapsed.Round(time.Millisecond), size.Format(rate(res.Size, elapsed)), describeSSE(res))
	return nil
}

func describePlan(job *cpJob) string {
	p := job.plan
	switch {
	case !p.Multipart:
		return fmt.Sprintf("uploading %s (%s) to %s in one request", job.src, size.Format(job.size), job.target)
	case p.Size < 0:
		return fmt.Sprintf("uploading stdin to %s in parts of %s, %d at a time", job.target, size.Format(p.PartSize), job.opts.Concurrency)
	}
	return fmt.Sprintf("uploading %s (%s) to %s in %d parts of %s, %d at a time", job.src, size.Format(job.size), job.target, p.Parts, size.Format(p.PartSize), job.opts.Concurrency)
}

func describeSSE(r upload.Result) string {
	switch {
	case r.SSE == "":
		return ""
	case r.KMSKeyID != "":
		return fmt.Sprintf(", encrypted %s with %s", r.SSE, r.KMSKeyID)
	}
	return ", encrypted " + r.SSE
}

func rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// cpFailure turns an upload error into the error the CLI reports, with the
// exit code of an interrupting signal when there was one.
func cpFailure(ctx context.Context, err error) error {
	if sig := interruptedBy(ctx); sig != nil {
		code := ExitInterrupted
		if sig == syscall.SIGTERM {
			code = ExitTerminated
		}
		return &exitError{code: code, err: fmt.Errorf("interrupted by %v: %w", sig, err)}
	}
	var ee *upload.EncryptionError
	if errors.As(err, &ee) {
		return &exitError{code: ExitFailed, err: err}
	}
	return err
}

// signalContext is cancelled by SIGINT or SIGTERM and remembers which.
func signalContext(parent context.Context) (context.Context, func()) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(&signalError{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted by " + e.sig.String() }

func interruptedBy(ctx context.Context) os.Signal {
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig
	}
	return nil
}
