package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/walk"
)

// printSetDryrun says what cp --recursive would do, on stdout, and sends
// nothing: with --json one plan line per file to upload (source relative
// to DIR); what would be skipped or fail goes to stderr as a warning.
func printSetDryrun(g *globalOptions, o *cpOptions, job *setJob) error {
	for _, it := range job.items {
		if it.entry.Kind == walk.Regular && it.bad == nil {
			continue
		}
		why := it.bad
		if why == nil {
			why = it.entry.Err
		}
		fmt.Fprintf(g.stderr, "warning: (dryrun) would skip %s: %v\n", it.entry.Rel, why)
	}
	var checks []string
	if !o.noPreflight && job.largest != nil {
		one := &cpJob{input: job.input}
		checks = preflightChecks(one)
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		for _, it := range job.items {
			if it.entry.Kind != walk.Regular || it.bad != nil {
				continue
			}
			ev := planEvent{Event: "plan", Source: it.entry.Rel, Target: it.target(job.target.Bucket), Size: it.entry.Size,
				Multipart: it.plan.Multipart, PartSize: it.plan.PartSize, Parts: it.plan.Parts,
				Concurrency: job.opts.Concurrency, SSE: job.input.SSE.Mode, KMSKeyID: job.input.SSE.KMSKeyID,
				MaxBandwidth: job.opts.MaxBandwidth, Resumable: true, StateDir: job.opts.Journals.Dir(),
				PreflightChecks: append([]string{}, checks...)}
			if !job.opts.NoChecksum {
				ev.ChecksumAlgorithm = string(job.opts.Checksum)
			}
			if err := enc.Encode(ev); err != nil {
				return err
			}
		}
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "(dryrun) %d files (%s) from %s to %s, up to %d at a time\n", job.files, size.Format(job.bytes), job.root, job.target, job.opts.Concurrency)
	for _, it := range job.items {
		if it.entry.Kind != walk.Regular || it.bad != nil {
			continue
		}
		how := "one request"
		if it.plan.Multipart {
			how = fmt.Sprintf("%d parts of %s", it.plan.Parts, size.Format(it.plan.PartSize))
		}
		fmt.Fprintf(&b, "(dryrun) upload: %s to %s (%s, %s)\n", it.entry.Rel, it.target(job.target.Bucket), size.Format(it.entry.Size), how)
	}
	if o.set.skipExisting {
		fmt.Fprintf(&b, "  skip-existing: one HeadObject per file would decide\n")
	}
	switch {
	case o.noPreflight:
		fmt.Fprintf(&b, "  preflight:    skipped (--no-preflight)\n")
	case job.largest != nil:
		fmt.Fprintf(&b, "  preflight:    once, as %s (the largest file): %s\n", job.largest.target(job.target.Bucket), strings.Join(checks, ", "))
	}
	fmt.Fprint(g.stdout, b.String())
	return nil
}
