package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/walk"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// errSetStopped is the cause the set's context is cancelled with when a
// permanent failure stops it. It is deliberately not the diagnosis: the
// engine reports the cause of a cancelled upload as that upload's own.
var errSetStopped = errors.New("the set stopped: another file failed for good")

// setRun is one cp --recursive in progress. Every file goes through one
// *upload.Uploader, so files and their parts share one concurrency budget
// and one memory bound; up to --concurrency files are in their turn at
// once.
type setRun struct {
	g    *globalOptions
	o    *cpOptions
	job  *setJob
	intr *interrupter

	// ctx is the set's: cancelled (errSetStopped) when a permanent failure
	// stops it, and by the interrupter after its grace period.
	ctx  context.Context
	stop context.CancelCauseFunc

	u      *upload.Uploader
	others listeners // the set's listeners but its JSON events, for each file's own (fileListener)
	head   headAPI   // --skip-existing
	rule   skipRule
	sent   *byteCounter
	events *setEvents // --json
	bar    *setBar    // a terminal

	mu      sync.Mutex // orders the reports of outcomes
	tally   setTally
	stopper *fileOutcome // the permanent failure that stopped the set
	start   time.Time
}

func runCpSet(cmd *cobra.Command, g *globalOptions, o *cpOptions, src, dst string) error {
	job, err := o.prepareSet(cmd, g, src, dst)
	if err != nil {
		return err
	}
	if o.dryrun {
		return printSetDryrun(g, o, job)
	}
	intr := newInterrupter(cmd.Context(), func(sig os.Signal) {
		fmt.Fprintf(g.stderr, "\n%s: no more files start; finishing the parts in flight (up to %s; again to stop at once)...\n", signalName(sig), gracePeriod)
	})
	defer intr.close()
	// Connections: a part or PutObject per slot of the shared budget, and
	// one control request (HeadObject, Create, Complete) per file in turn.
	cfg, err := g.awsConfig(intr.ctx, o.retries+1, 2*job.opts.Concurrency+2)
	if err != nil {
		return usagef(err)
	}
	o.settleChecksums(&cfg, &job.opts)
	r := newSetRun(g, o, job, intr)
	defer r.stop(nil)
	return r.run(cfg)
}

func newSetRun(g *globalOptions, o *cpOptions, job *setJob, intr *interrupter) *setRun {
	r := &setRun{g: g, o: o, job: job, intr: intr, sent: &byteCounter{}, start: time.Now()}
	r.ctx, r.stop = context.WithCancelCause(intr.ctx)
	if o.json {
		r.events = newSetEvents(g.stdout, job)
	}
	return r
}

func (r *setRun) run(cfg aws.Config) error {
	var rep *preflight.Report
	if !r.o.noPreflight && r.job.largest != nil {
		pr, d, err := r.preflight(cfg)
		if err != nil {
			r.reportWalk()
			r.notStartedAll()
			return r.end(err, d)
		}
		rep = &pr
		if pr.BucketRegion != "" && pr.BucketRegion != cfg.Region {
			cfg.Region = pr.BucketRegion // preflight warned; upload where the bucket is
		}
	}
	client := awsconfig.S3(cfg, r.g.endpointURL)
	r.job.opts.KMS = awsconfig.KMS(cfg) // proves a bare denial's cause before naming it
	r.ready(client, client, diagnostics(cfg, awsconfig.STS(cfg), rep))
	return r.uploadSet()
}

// ready makes the one Uploader every file goes through, and what
// --skip-existing asks with.
func (r *setRun) ready(client upload.Client, head headAPI, diag upload.Diagnostics) {
	r.head = head
	r.rule = skipRule{sse: r.job.input.SSE}
	if !r.job.opts.NoChecksum {
		r.rule.alg = r.job.opts.Checksum
	}
	ls := listeners{r.sent}
	if !r.g.quiet && !r.o.noProgress && isTerminal(os.Stderr) && r.job.files > 0 {
		r.bar = newSetBar(r.g.stderr, r.job.files, r.job.bytes)
		ls = append(ls, r.bar)
	}
	r.others = ls
	if r.events != nil {
		ls = append(ls, r.events)
	}
	r.job.opts.Listener = ls
	r.job.opts.Diagnostics = diag
	r.u = upload.New(client, r.job.opts)
}

// uploadSet uploads the files and reports the end.
func (r *setRun) uploadSet() error {
	r.say("uploading %d files (%s) from %s to %s, up to %d at a time\n", r.job.files, size.Format(r.job.bytes), r.job.root, r.job.target, r.job.opts.Concurrency)
	r.reportWalk()
	r.uploadAll()
	if r.bar != nil {
		r.bar.finish()
	}
	return r.end(nil, nil)
}

// preflight checks the set once, as an upload of its largest file under
// the prefix: the same bucket, encryption and key prefix for every file,
// and the largest decides whether kms:Decrypt (multipart) is needed.
func (r *setRun) preflight(cfg aws.Config) (preflight.Report, *diagnose.Diagnosis, error) {
	big := r.job.largest
	po := preflight.Options{
		Bucket: r.job.target.Bucket, Key: big.key,
		SSE: r.job.input.SSE, Plan: big.plan, Concurrency: r.job.opts.Concurrency,
		Canary: true, Region: cfg.Region, Source: big.entry.Path,
		// The canary sends the set's own requests, every header.
		Input: r.job.input, Checksum: r.job.opts.Checksum, NoChecksum: r.job.opts.NoChecksum,
	}
	var emit func(any)
	if r.events != nil {
		emit = r.events.emit
	}
	return checkBeforeUpload(r.intr, r.g, cfg, po, r.job.target.String(), emit)
}

// reportWalk reports what the walk found but cannot upload: special files
// and loops are skipped, broken paths and keys S3 cannot take fail. They
// come first, so they are told even if the set stops early.
func (r *setRun) reportWalk() {
	for _, it := range r.job.items {
		o := fileOutcome{item: it}
		switch e := it.entry; {
		case e.Kind == walk.Special:
			o.status, o.reason, o.code, o.why = fileSkipped, skipSpecial, ExitFailed, e.Err.Error()
		case e.Kind == walk.Loop:
			o.status, o.reason, o.code, o.why = fileSkipped, skipLoop, ExitFailed, e.Err.Error()
		case e.Kind == walk.Broken:
			o.status, o.code, o.err = fileFailed, ExitFailed, fmt.Errorf("%s: %v", e.Path, e.Err)
		case it.bad != nil:
			o.status, o.code, o.err = fileFailed, ExitFailed, fmt.Errorf("%s: %v", e.Path, it.bad)
		default:
			continue
		}
		r.finish(o)
	}
}
