package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
)

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

// printDryrun says what cp would do, on stdout, and sends nothing.
func printDryrun(g *globalOptions, o *cpOptions, job *cpJob) error {
	if o.json {
		ev := planEvent{Event: "plan", Source: job.src, Target: job.target.String(), Size: job.size,
			Multipart: job.plan.Multipart, PartSize: job.plan.PartSize, Parts: job.plan.Parts,
			Concurrency: job.opts.Concurrency, SSE: job.input.SSE.Mode, KMSKeyID: job.input.SSE.KMSKeyID,
			MaxBandwidth: job.opts.MaxBandwidth, Resumable: job.src != "-", PreflightChecks: []string{}}
		if !job.opts.NoChecksum {
			ev.ChecksumAlgorithm = string(job.opts.Checksum)
		}
		if ev.Resumable {
			ev.StateDir = job.opts.Journals.Dir()
		}
		if !o.noPreflight {
			ev.PreflightChecks = preflightChecks(job)
		}
		return json.NewEncoder(g.stdout).Encode(ev)
	}
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
