package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// The dry run of cp, one file and a set alike: one plan line (--json) per
// object from newPlanEvent, and the same lines on the settings every
// upload shares (settingLines).

// planEvent is --dryrun's answer with --json.
type planEvent struct {
	Event             string   `json:"event"` // "plan"
	Source            string   `json:"source"`
	Target            string   `json:"target"`
	Size              int64    `json:"size"`
	Multipart         bool     `json:"multipart"`
	PartSize          int64    `json:"part_size,omitempty"`
	Parts             int      `json:"parts,omitempty"`
	Concurrency       int      `json:"concurrency"`
	SSE               string   `json:"sse,omitempty"`
	KMSKeyID          string   `json:"kms_key_id,omitempty"`
	ChecksumAlgorithm string   `json:"checksum_algorithm,omitempty"`
	MaxBandwidth      int64    `json:"max_bandwidth,omitempty"`
	Resumable         bool     `json:"resumable"`
	StateDir          string   `json:"state_dir,omitempty"`
	PreflightChecks   []string `json:"preflight_checks"`
}

// newPlanEvent is the plan line of one object, for one file and each
// file of a set alike; checks nil: no preflight.
func newPlanEvent(obj object, n int64, plan upload.Plan, in upload.Input, opts upload.Options, resumable bool, checks []string) planEvent {
	ev := planEvent{Event: "plan", Source: obj.Source, Target: obj.Target, Size: n,
		Multipart: plan.Multipart, PartSize: plan.PartSize, Parts: plan.Parts,
		Concurrency: opts.Concurrency, SSE: in.SSE.Mode, KMSKeyID: in.SSE.KMSKeyID,
		MaxBandwidth: opts.MaxBandwidth, Resumable: resumable, PreflightChecks: checks}
	if ev.PreflightChecks == nil {
		ev.PreflightChecks = []string{}
	}
	if !opts.NoChecksum {
		ev.ChecksumAlgorithm = string(opts.Checksum)
	}
	if resumable {
		ev.StateDir = opts.Journals.Dir()
	}
	return ev
}

// settingLines are the dry run's lines on what every upload of the run
// shares: encryption, checksums, bandwidth.
func settingLines(b *strings.Builder, in upload.Input, opts upload.Options) {
	sse := in.SSE
	switch {
	case sse.Mode == "":
		fmt.Fprintf(b, "  encryption:   the bucket's default\n")
	case sse.KMSKeyID != "":
		fmt.Fprintf(b, "  encryption:   %s with key %s\n", sse.Mode, sse.KMSKeyID)
	default:
		fmt.Fprintf(b, "  encryption:   %s\n", sse.Mode)
	}
	if opts.NoChecksum {
		fmt.Fprintf(b, "  checksums:    none (when_required)\n")
	} else {
		fmt.Fprintf(b, "  checksums:    %s on every part, the object's compared with S3's\n", opts.Checksum)
	}
	if opts.MaxBandwidth > 0 {
		fmt.Fprintf(b, "  bandwidth:    at most %s/s\n", size.Format(opts.MaxBandwidth))
	}
}

// printDryrun says what cp would do, on stdout, and sends nothing.
func printDryrun(g *globalOptions, o *cpOptions, job *cpJob) error {
	if o.json {
		var checks []string
		if !o.noPreflight {
			checks = preflightChecks(job.input.SSE)
		}
		return json.NewEncoder(g.stdout).Encode(newPlanEvent(object{Source: job.src, Target: job.target.String()},
			job.size, job.plan, job.input, job.opts, job.src != "-", checks))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(dryrun) %s\n", describePlan(job))
	fmt.Fprintf(&b, "  target:       %s\n", job.target)
	settingLines(&b, job.input, job.opts)
	if job.src != "-" {
		fmt.Fprintf(&b, "  resume:       journaled in %s\n", job.opts.Journals.Dir())
	} else {
		fmt.Fprintf(&b, "  resume:       none (stdin); memory up to %s\n", size.Format(job.plan.Memory(job.opts.Concurrency, true)))
	}
	if o.noPreflight {
		fmt.Fprintf(&b, "  preflight:    skipped (--no-preflight)\n")
	} else {
		fmt.Fprintf(&b, "  preflight:    %s\n", strings.Join(preflightChecks(job.input.SSE), ", "))
	}
	fmt.Fprint(g.stdout, b.String())
	return nil
}

// preflightChecks names the checks cp's preflight would run for an upload
// with encryption sse.
func preflightChecks(sse upload.SSE) []string {
	checks := []string{preflight.CheckIdentity, preflight.CheckSource, preflight.CheckBucket, preflight.CheckRegion,
		preflight.CheckEncryption, preflight.CheckLifecycle, preflight.CheckKey}
	if sse.IsKMS() || sse.Mode == "" {
		checks = append(checks, preflight.CheckRoundTrip)
	}
	return append(checks, preflight.CheckCanary, preflight.CheckReconcile)
}

// printSetDryrun says what cp --recursive would do, on stdout, and sends
// nothing. It streams, in key order, as the walk yields: with --json one
// plan line per file to upload (source relative to DIR); else one line per
// file and the totals last. What would be skipped or fail goes to stderr
// as a warning. Nothing holds the tree.
func printSetDryrun(g *globalOptions, o *cpOptions, job *setJob) error {
	w, err := tree.Walk(job.abs, job.walk)
	if err != nil {
		return usagef(err)
	}
	out := bufio.NewWriterSize(g.stdout, 64<<10)
	defer out.Flush()
	var checks []string
	if !o.noPreflight {
		checks = preflightChecks(job.input.SSE)
		if job.skip != tree.SkipNone {
			checks = append(checks, preflight.CheckListing)
		}
	}
	enc := json.NewEncoder(out)
	var files int
	var bytes int64
	var largest tree.Entry
	for e, ok := w.Next(); ok; e, ok = w.Next() {
		key := job.target.Key + e.Rel
		why := e.Err
		if e.Kind == tree.Regular {
			why = tree.CheckKey(key)
		}
		switch {
		case e.Kind == tree.UnreadableDir:
			fmt.Fprintf(g.stderr, "warning: (dryrun) could not read the directory %s (%v): its files would not be uploaded\n", e.Rel, why)
			continue
		case why != nil:
			fmt.Fprintf(g.stderr, "warning: (dryrun) would skip %s: %v\n", e.Rel, why)
			continue
		}
		plan, err := job.plan(e)
		if err != nil {
			return err
		}
		files++
		bytes += e.Size
		if largest.Rel == "" || e.Size > largest.Size {
			largest = e
		}
		if o.json {
			ev := newPlanEvent(object{Source: e.Rel, Target: job.url(key)}, e.Size, plan, job.input, job.opts, true, checks)
			if err := enc.Encode(ev); err != nil {
				return err
			}
			continue
		}
		how := "one request"
		if plan.Multipart {
			how = fmt.Sprintf("%d parts of %s", plan.Parts, size.Format(plan.PartSize))
		}
		fmt.Fprintf(out, "(dryrun) upload: %s to %s (%s, %s)\n", e.Rel, job.url(key), size.Format(e.Size), how)
	}
	if o.json {
		return nil
	}
	fmt.Fprintf(out, "(dryrun) %s (%s) from %s to %s, up to %d at a time\n", plural(int(files), "file"), size.Format(bytes), job.root, job.target, job.opts.Concurrency)
	var b strings.Builder
	settingLines(&b, job.input, job.opts)
	fmt.Fprint(out, b.String())
	switch job.skip {
	case tree.SkipSync:
		fmt.Fprintf(out, "  skip-existing: one listing of the prefix would decide (same size, object not older than the file)\n")
	case tree.SkipContent:
		fmt.Fprintf(out, "  skip-existing: one listing of the prefix, then a HeadObject per file of the same size, would decide (encryption and checksum)\n")
	}
	switch {
	case o.noPreflight:
		fmt.Fprintf(out, "  preflight:    skipped (--no-preflight)\n")
	case files > 0:
		fmt.Fprintf(out, "  preflight:    once, as %s (the largest file): %s\n", job.url(job.target.Key+largest.Rel), strings.Join(checks, ", "))
	}
	return nil
}
