package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

func runCp(cmd *cobra.Command, g *globalOptions, o *cpOptions, src, dst string) error {
	job, cleanup, err := o.prepare(cmd, g, src, dst)
	if err != nil {
		return err
	}
	defer cleanup()
	for _, n := range job.notes {
		g.infof("note: %s\n", n)
	}
	if o.dryrun {
		return printDryrun(g, o, job)
	}
	if job.src == "-" {
		g.infof("note: stdin is not resumable: a failed upload is aborted\n")
	}

	intr := newInterrupter(cmd.Context(), func(msg string) { fmt.Fprintf(g.stderr, "\n%s\n", msg) })
	defer intr.close()
	ctx := intr.ctx
	job.input.Stop = intr.Stop
	if job.src == "-" {
		stdin, restore := interruptibleStdin(intr.Stop)
		defer restore()
		job.body, job.input.Body = stdin, stdin
	}

	cfg, err := o.loadConfig(intr, g, &job.opts, job.opts.Concurrency+2)
	if err != nil {
		return err
	}
	var events *eventWriter
	if o.json {
		events = newEventWriter(g.stdout)
	}
	rep := newReporter(g, events, false, job.opts.AbortOnFailure)
	obj := object{Source: job.src, Target: job.target.String()}
	release, err := lockBeforePreflight(job)
	if err != nil {
		return rep.fail(outcome{obj: obj, err: err}) // before the preflight's requests
	}
	defer release()
	var pre *preflight.Report
	if !o.noPreflight {
		r, err := cpPreflight(intr, g, cfg, job, rep, obj)
		if err != nil && !isReported(err) {
			// An interrupt or an error the preflight did not report: said
			// like an upload's failure, with the JSON result last.
			return rep.fail(outcome{obj: obj, err: err})
		}
		if err != nil {
			return err
		}
		pre = &r
	}
	correctRegion(&cfg, pre)
	client := awsconfig.S3(cfg, g.endpointURL)
	stsClient := awsconfig.STS(cfg)

	ls := listeners{rep.sent}
	var bar *barListener
	if !g.quiet && !o.noProgress && isTerminal(os.Stderr) {
		bar = newBarListener(g.stderr, filepath.Base(job.target.Key))
		ls = append(ls, bar)
	}
	job.opts.Listener = objectListener{listeners: ls, events: events, obj: obj}
	job.opts.Diagnostics = diagnostics(cfg, stsClient, pre)
	job.opts.KMS = awsconfig.KMS(cfg) // proves a bare denial's cause before naming it
	g.infof("%s\n", describePlan(job))
	rep.start = time.Now() // the rate is the upload's, not the preflight's
	u := upload.New(client, job.opts)
	var clearBar func()
	if bar != nil {
		clearBar = bar.clear
	}
	intr.watch(u.InFlight, clearBar)
	release() // the engine takes the lock again at once
	res, err := uploadOne(ctx, u, job, intr)
	speakDiagnosis(err)
	if bar != nil {
		bar.finish(err == nil)
	}
	if err != nil {
		return rep.fail(outcome{obj: obj, err: cpFailure(intr, err), upload: res})
	}
	rep.end(outcome{obj: obj, class: tree.OK, upload: res, notes: job.notes, wholeRun: true})
	return nil
}

// uploadOne sends cp's source. A file goes through the same path as a
// directory's files, tree.Run, as a set of one (its journal, scheduling
// and classes are a set's); stdin, a stream, goes to the engine directly.
func uploadOne(ctx context.Context, u *upload.Uploader, job *cpJob, intr *interrupter) (upload.Result, error) {
	if job.src == "-" {
		return u.Upload(ctx, job.input)
	}
	var fr tree.FileResult
	_, err := tree.Run(ctx, u, tree.Options{Root: job.absPath, Bucket: job.target.Bucket, Prefix: job.target.Key,
		Input: job.input, Files: 1, Stop: intr.Stop, OnResult: func(r tree.FileResult) { fr = r }})
	switch {
	case err != nil:
		return upload.Result{}, err
	case fr.Class == tree.OK:
		return fr.Upload, nil
	case fr.Class == tree.NotStarted:
		return fr.Upload, upload.ErrStopped // stopped before its turn: a signal
	case fr.Err == nil:
		return fr.Upload, fmt.Errorf("%s: %s", job.absPath, fr.Why) // not a regular file any more
	}
	return fr.Upload, fr.Err
}

// settleChecksums applies the profile's request_checksum_calculation when
// neither the flag nor the environment said (the plan was made before the
// configuration loaded); with when_required the SDK must then add no
// checksums either.
func (o *cpOptions) settleChecksums(cfg *aws.Config, opts *upload.Options) {
	if o.profileSaysNoChecksum(*cfg) {
		opts.NoChecksum = true
	}
	if opts.NoChecksum {
		cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	}
}

// diagnostics feed the engine's explanation of failures with what the
// preflight learned (rep may be nil: --no-preflight).
func diagnostics(cfg aws.Config, stsClient *sts.Client, rep *preflight.Report) upload.Diagnostics {
	var d upload.Diagnostics
	if rep != nil {
		d = rep.Diagnostics()
	}
	d.Region = cfg.Region // corrected to the bucket's when preflight found it elsewhere
	// Only on a diagnosed failure: the remedy names the principal.
	d.LookupPrincipal = func(ctx context.Context) (string, error) {
		return upload.LookupPrincipal(ctx, stsClient)
	}
	return d
}

func describePlan(job *cpJob) string {
	p := job.plan
	switch {
	case !p.Multipart:
		return fmt.Sprintf("uploading %s (%s) to %s in one request", job.src, size.Format(job.size), job.target)
	case p.Size < 0:
		return fmt.Sprintf("uploading stdin to %s, read in parts of %s, %d at a time (memory: up to %s); a stream shorter than one part goes in one request", job.target,
			size.Format(p.PartSize), job.opts.Concurrency, size.Format(p.Memory(job.opts.Concurrency, true)))
	}
	return fmt.Sprintf("uploading %s (%s) to %s in %d parts of %s, %d at a time", job.src, size.Format(job.size), job.target, p.Parts, size.Format(p.PartSize), job.opts.Concurrency)
}

func describeResumed(r upload.Result) string {
	if r.Resumed == 0 {
		return ""
	}
	return fmt.Sprintf(", %s of it already uploaded by an earlier run", size.Format(r.Resumed))
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

func describeChecksum(r upload.Result) string {
	switch {
	case r.Checksum == "":
		return ""
	case r.ChecksumVerified:
		return fmt.Sprintf(", %s %s verified", r.ChecksumAlgorithm, r.Checksum)
	}
	return fmt.Sprintf(", %s %s not verified by the server", r.ChecksumAlgorithm, r.Checksum)
}

func rate(n int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(n) / d.Seconds())
}

// cpFailure gives an upload error its exit code: the signal's when the
// user interrupted it; 4 when it failed transiently after the retries (a
// kept file upload resumes on a rerun; stdin's was aborted), including a
// transient diagnosis (Diagnosis.Transient: throttled, unreachable,
// credentials that expired while data was moving); the usual mapping
// otherwise.
func cpFailure(intr *interrupter, err error) error {
	if sig := intr.signal(); sig != nil {
		return &exitError{code: signalExit(sig), err: &interruptError{text: intr.interruptedText(err), err: err}}
	}
	// The same classifier as a set's files (tree's classes).
	switch upload.Classify(err) {
	case upload.Permanent:
		return &exitError{code: ExitDiagnosed, err: err}
	case upload.Transient:
		return &exitError{code: ExitTransient, err: err}
	}
	return err
}
