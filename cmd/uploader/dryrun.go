package main

import (
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
)

// printDryrun says what cp would do, on stdout, and sends nothing.
func printDryrun(g *globalOptions, o *cpOptions, job *cpJob) error {
	var b strings.Builder
	fmt.Fprintf(&b, "(dryrun) %s\n", describePlan(job))
	fmt.Fprintf(&b, "  target:       %s\n", job.target)
	sse := job.input.SSE
	switch {
	case sse.Mode == "":
		fmt.Fprintf(&b, "  encryption:   the bucket's default\n")
	case sse.KMSKeyID != "":
		fmt.Fprintf(&b, "  encryption:   %s with key %s\n", sse.Mode, sse.KMSKeyID)
	default:
		fmt.Fprintf(&b, "  encryption:   %s\n", sse.Mode)
	}
	if job.opts.NoChecksum {
		fmt.Fprintf(&b, "  checksums:    none (when_required)\n")
	} else {
		fmt.Fprintf(&b, "  checksums:    %s on every part, the object's compared with S3's\n", job.opts.Checksum)
	}
	if job.opts.MaxBandwidth > 0 {
		fmt.Fprintf(&b, "  bandwidth:    at most %s/s\n", size.Format(job.opts.MaxBandwidth))
	}
	if job.src != "-" {
		fmt.Fprintf(&b, "  resume:       journaled in %s\n", job.opts.Journals.Dir())
	} else {
		fmt.Fprintf(&b, "  resume:       none (stdin); memory up to %s\n", size.Format(job.plan.Memory(job.opts.Concurrency, true)))
	}
	if o.noPreflight {
		fmt.Fprintf(&b, "  preflight:    skipped (--no-preflight)\n")
	} else {
		fmt.Fprintf(&b, "  preflight:    %s\n", strings.Join(preflightChecks(job), ", "))
	}
	fmt.Fprint(g.stdout, b.String())
	return nil
}

// preflightChecks names the checks cp's preflight would run.
func preflightChecks(job *cpJob) []string {
	checks := []string{preflight.CheckIdentity, preflight.CheckSource, preflight.CheckBucket, preflight.CheckRegion,
		preflight.CheckEncryption, preflight.CheckLifecycle, preflight.CheckKey}
	if job.input.SSE.IsKMS() || job.input.SSE.Mode == "" {
		checks = append(checks, preflight.CheckRoundTrip)
	}
	return append(checks, preflight.CheckCanary, preflight.CheckReconcile)
}
