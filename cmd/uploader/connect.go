package main

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// What cp does the same way for a file, a stream and a set: one
// configuration load on the interrupter, one preflight options builder,
// one region correction.

// loadConfig loads the AWS configuration for cp. Loading may wait (IMDS
// for the region, an SSO or process provider): the first signal ends it,
// nothing having been sent, with the signal's exit code (130/143); any
// other failure is a usage error (exit 2). conns is the requests in
// parallel; the profile's checksum setting is settled into opts.
func (o *cpOptions) loadConfig(intr *interrupter, g *globalOptions, opts *upload.Options, conns int) (aws.Config, error) {
	lctx, lcancel := intr.stopContext()
	cfg, err := g.awsConfig(lctx, o.retries+1, conns)
	lcancel()
	if err != nil {
		if sig := intr.signal(); sig != nil {
			return cfg, &exitError{code: signalExit(sig), err: &interruptError{text: fmt.Sprintf("interrupted by %s while loading the AWS configuration: nothing was uploaded", signalName(sig)), err: err}}
		}
		return cfg, usagef(err)
	}
	o.settleChecksums(&cfg, opts)
	return cfg, nil
}

// checkOptions describe one upload to the preflight: a file, a stream
// (source "-"), or a set's largest file under its prefix, for cp and the
// preflight command alike. The canary sends the upload's own requests,
// every header. runPreflight fills in the configuration's region.
func checkOptions(bucket, key, source string, plan upload.Plan, input upload.Input, opts upload.Options) preflight.Options {
	return preflight.Options{
		Bucket: bucket, Key: key,
		SSE: input.SSE, Plan: plan, Concurrency: opts.Concurrency,
		Canary: true, Source: source,
		Input: input, Checksum: opts.Checksum, NoChecksum: opts.NoChecksum,
	}
}

// correctRegion sends the upload where the bucket is, when the preflight
// found it elsewhere (it warned).
func correctRegion(cfg *aws.Config, rep *preflight.Report) {
	if rep != nil && rep.BucketRegion != "" && rep.BucketRegion != cfg.Region {
		cfg.Region = rep.BucketRegion
	}
}
