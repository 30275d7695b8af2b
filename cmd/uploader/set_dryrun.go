package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

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
		checks = preflightChecks(&cpJob{input: job.input})
		if job.skip != tree.SkipNone {
			checks = append(checks, "listing")
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
		if why != nil {
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
			if err := enc.Encode(setPlanEvent(job, e.Rel, key, e.Size, plan, checks)); err != nil {
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

func setPlanEvent(job *setJob, rel, key string, n int64, plan upload.Plan, checks []string) planEvent {
	ev := planEvent{Event: "plan", Source: rel, Target: job.url(key), Size: n,
		Multipart: plan.Multipart, PartSize: plan.PartSize, Parts: plan.Parts,
		Concurrency: job.opts.Concurrency, SSE: job.input.SSE.Mode, KMSKeyID: job.input.SSE.KMSKeyID,
		MaxBandwidth: job.opts.MaxBandwidth, Resumable: true, StateDir: job.opts.Journals.Dir(),
		PreflightChecks: checks}
	if !job.opts.NoChecksum {
		ev.ChecksumAlgorithm = string(job.opts.Checksum)
	}
	return ev
}
