package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// setRun is one cp --recursive in progress: flags and rendering over
// tree.Run, which walks, decides the skips, schedules the files on one
// *upload.Uploader and classifies each file's end.
type setRun struct {
	g      *globalOptions
	o      *cpOptions
	job    *setJob
	intr   *interrupter
	totals tree.Totals // the counting pass: the bar, files_total, the preflight's file

	rep    *reporter // each file's end, the summary; its events (--json) and byte count
	others listeners // the set's listeners but its JSON events, for each file's own (objectListener)
	bar    *setBar   // a terminal
	start  time.Time
	sum    tree.Summary
	pre    error               // a preflight that ended the set before any file
	preD   *diagnose.Diagnosis // its diagnosis
}

// setS3 is what a set asks S3 besides the uploads: the skip rule's
// listing, and HeadObject for --skip-existing=content.
type setS3 interface {
	tree.ListAPI
	tree.HeadAPI
}

func runCpSet(cmd *cobra.Command, g *globalOptions, o *cpOptions, src, dst string) error {
	job, err := o.prepareSet(cmd, g, src, dst)
	if err != nil {
		return err
	}
	if o.dryrun {
		return printSetDryrun(g, o, job)
	}
	intr := newInterrupter(cmd.Context(), func(msg string) { fmt.Fprintf(g.stderr, "\n%s\n", msg) })
	defer intr.close()
	// Connections: a part or PutObject per slot of the shared budget, and
	// one control request (listing, HeadObject, Create, Complete) per file
	// in turn.
	cfg, err := o.loadConfig(intr, g, &job.opts, 2*job.opts.Concurrency+2)
	if err != nil {
		return err
	}
	r, err := newSetRun(g, o, job, intr)
	if err != nil {
		return err
	}
	var rep *preflight.Report
	if !o.noPreflight && r.totals.Largest.Path != "" {
		pr, d, err := r.preflight(cfg)
		if err != nil {
			r.pre, r.preD = err, d
			return r.end()
		}
		rep = &pr
	}
	correctRegion(&cfg, rep)
	client := awsconfig.S3(cfg, g.endpointURL)
	r.job.opts.KMS = awsconfig.KMS(cfg) // proves a bare denial's cause before naming it
	return r.run(client, client, diagnostics(cfg, awsconfig.STS(cfg), rep))
}

// newSetRun counts the tree (a walk that keeps nothing: totals for the
// bar and the summary, the largest file for the preflight) and checks the
// largest file's plan, so a part size that cannot fit it is a usage error
// before any request.
func newSetRun(g *globalOptions, o *cpOptions, job *setJob, intr *interrupter) (*setRun, error) {
	totals, err := tree.Count(job.abs, job.target.Key, job.walk)
	if err != nil {
		return nil, usagef(fmt.Errorf("source %s: %v", job.root, err))
	}
	if totals.Largest.Path != "" { // a file with a key S3 takes
		if _, err := job.plan(totals.Largest); err != nil {
			return nil, err
		}
	}
	var events *eventWriter
	if o.json {
		events = newEventWriter(g.stdout).forSet(totals.Files+totals.Other, totals.Bytes)
	}
	rep := newReporter(g, events, true, job.opts.AbortOnFailure)
	return &setRun{g: g, o: o, job: job, intr: intr, totals: totals, rep: rep, start: rep.start}, nil
}

// preflight checks the set once, as an upload of its largest file under
// the prefix: the same bucket, encryption and key prefix for every file,
// and the largest decides whether kms:Decrypt (multipart) is needed. A set
// that skips also proves its listing (s3:ListBucket).
func (r *setRun) preflight(cfg aws.Config) (preflight.Report, *diagnose.Diagnosis, error) {
	big := r.totals.Largest
	po, _ := checkOptions(r.job.target.Bucket, r.job.target.Key, "", upload.Plan{}, r.job.input, r.job.opts).
		ForLargest(big.Path, r.job.target.Key+big.Rel, big.Size, r.job.planOptions()) // the plan was checked by newSetRun
	var emit func(any)
	if r.rep.events != nil {
		emit = r.rep.events.emit
	}
	var more []func(context.Context, *preflight.Report) error
	if r.job.skip != tree.SkipNone {
		more = append(more, func(ctx context.Context, rep *preflight.Report) error {
			c := awsconfig.S3(cfg, r.g.endpointURL)
			return preflight.CheckList(ctx, c, rep, r.job.target.Bucket, r.job.target.Key)
		})
	}
	return checkBeforeUpload(r.intr, r.g, cfg, po, r.job.target.String(), emit, more...)
}

// run makes the one Uploader every file goes through and runs the set.
func (r *setRun) run(client upload.Client, s3c setS3, diag upload.Diagnostics) error {
	ls := listeners{r.rep.sent}
	if !r.g.quiet && !r.o.noProgress && isTerminal(os.Stderr) && r.totals.Files > 0 {
		r.bar = newSetBar(r.g.stderr, r.totals.Files, r.totals.Bytes)
		r.rep.clear = r.bar.clear
		ls = append(ls, r.bar)
	}
	r.others = ls
	opts := r.job.opts
	opts.Listener, opts.Diagnostics = ls, diag
	u := upload.New(client, opts)
	r.intr.watch(u.InFlight, r.rep.clear) // the bar's, set above when there is one

	to := tree.Options{
		Root: r.job.abs, Bucket: r.job.target.Bucket, Prefix: r.job.target.Key, Walk: r.job.walk,
		Input: r.job.input, ContentType: r.o.contentTypeOf, Files: opts.Concurrency,
		Skip: r.job.skip, Lister: s3c, Head: s3c, Journals: opts.Journals,
		Stop: r.intr.Stop, OnResult: r.finish, Principal: diag.Principal,
		OnUnreadableDir: func(e tree.Entry) {
			r.warn("warning: could not read the directory %s (%v): its files are not uploaded\n", e.Rel, e.Err)
		},
	}
	if !opts.NoChecksum {
		to.Checksum = opts.Checksum
	}
	to.Listener = func(f tree.File) upload.Listener {
		return objectListener{listeners: r.others, events: r.rep.events, obj: object{Source: f.Entry.Rel, Target: r.job.url(f.Key)}}
	}
	r.say("uploading %s (%s) from %s to %s, up to %d at a time\n", plural(int(r.totals.Files), "file"), size.Format(r.totals.Bytes), r.job.root, r.job.target, opts.Concurrency)
	sum, err := tree.Run(r.intr.ctx, u, to)
	if err != nil {
		// The root went away since it was counted: a failure of the set,
		// after its preflight line, so it ends with its summary (exit 1).
		sum.Err = err
	}
	r.sum = sum
	if r.bar != nil {
		r.bar.finish()
	}
	return r.end()
}

// signo is the number of the signal that interrupted the set (0: none),
// for tree.ExitCode.
func (r *setRun) signo() int {
	if sig := r.intr.signal(); sig != nil {
		return signalExit(sig) - 128
	}
	return 0
}

// fileCode is the exit code one file's end alone would give, for its JSON
// result: a cancelled file carries the code of the failure that stopped
// the set, an interrupted one the signal's.
func (r *setRun) fileCode(fr tree.FileResult) int {
	switch fr.Class {
	case tree.OK:
		return ExitOK
	case tree.Skipped:
		if fr.Reason == tree.Exists {
			return ExitOK
		}
		return ExitFailed
	case tree.FailedPermanent, tree.Cancelled:
		return ExitDiagnosed
	case tree.FailedTransient:
		return ExitTransient
	case tree.Interrupted:
		if s := r.signo(); s > 0 {
			return 128 + s
		}
	}
	return ExitFailed
}

// finish reports one file's end (tree.Run calls it one result at a time).
func (r *setRun) finish(fr tree.FileResult) {
	speakDiagnosis(fr.Err)
	if fr.Class == tree.NotStarted {
		return
	}
	if r.bar != nil && fr.Entry.Kind == tree.Regular { // the bar counts the regular files (tree.Totals.Files)
		var unsent int64
		if fr.Class == tree.Skipped && fr.Reason == tree.Exists || tree.CheckKey(fr.Key) != nil {
			unsent = fr.Entry.Size
		}
		r.bar.fileDone(unsent)
	}
	r.rep.end(fileOutcome(fr, object{Source: fr.Entry.Rel, Target: r.job.url(fr.Key)}, r.fileCode(fr)))
}
