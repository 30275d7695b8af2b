package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/tree"
)

// cpPreflight runs the checks before cp sends data. A FAIL stops cp with
// exit 3 before any data moves, an INCONCLUSIVE verdict (nothing proved,
// e.g. the endpoint unreachable) with exit 5; WARNs are shown and the
// upload goes on.
func cpPreflight(intr *interrupter, g *globalOptions, cfg aws.Config, job *cpJob, rep *reporter, obj object) (preflight.Report, error) {
	source := job.absPath
	if job.src == "-" {
		source = "-" // a stream: its parts are buffered, not read in place
	}
	po := checkOptions(job.target.Bucket, job.target.Key, source, job.plan, job.input, job.opts)
	var emit func(any)
	if rep.events != nil {
		emit = rep.events.emit
	}
	r, d, err := checkBeforeUpload(intr, g, cfg, po, job.target.String(), emit)
	if isReported(err) { // its lines are printed: the JSON result follows
		rep.end(outcome{obj: obj, class: tree.Failed, code: exitCode(err), err: err, diag: d, wholeRun: true, reported: true})
	}
	return r, err
}

// checkBeforeUpload runs the preflight for cp, of one file or of a set (po
// then describes the set's largest file, under its prefix). It emits the
// preflight event when emit is set, and prints the verdict. On a FAIL it
// returns exit 3 (already reported on stderr) with the first failure as a
// diagnosis, for the caller's last JSON line; on an INCONCLUSIVE verdict,
// exit 5 with its reason as the diagnosis when it has a code.
//
// more are checks of the caller's own, run after the preflight's and
// before its verdict is reported (a set that skips proves its listing).
func checkBeforeUpload(intr *interrupter, g *globalOptions, cfg aws.Config, po preflight.Options, target string, emit func(any), more ...func(context.Context, *preflight.Report) error) (preflight.Report, *diagnose.Diagnosis, error) {
	// Preflight sends no data: the first signal stops it at once.
	ctx, cancel := intr.stopContext()
	defer cancel()
	rep, err := runPreflight(ctx, g, cfg, po)
	for _, check := range more {
		if err == nil {
			err = check(ctx, &rep)
		}
	}
	if err != nil {
		if sig := intr.signal(); sig != nil {
			return rep, nil, &exitError{code: signalExit(sig), err: &interruptError{text: fmt.Sprintf("interrupted by %s during the preflight: nothing was uploaded", signalName(sig)), err: err}}
		}
		return rep, nil, err
	}
	if emit != nil {
		emit(preflightEvent{Event: "preflight", Report: rep})
	}
	switch {
	case rep.Inconclusive():
		err := errors.New("preflight inconclusive: " + rep.Reason)
		fmt.Fprintf(g.stderr, "uploader: preflight of %s proved nothing, so nothing was uploaded: %s\n", target, rep.Reason)
		g.infof("  (run again when that is fixed; `uploader preflight` shows every check; --no-preflight uploads without them)\n")
		return rep, inconclusiveDiagnosis(rep), &exitError{code: ExitInconclusive, err: err, reported: true}
	case rep.Failed():
		fmt.Fprintf(g.stderr, "preflight of %s failed; nothing was uploaded:\n", target)
		renderReport(g.stderr, rep)
		err := errors.New("preflight: " + failedNames(rep))
		return rep, firstFailure(rep), &exitError{code: ExitDiagnosed, err: err, reported: true}
	case rep.Verdict == preflight.Warn && !g.quiet:
		fmt.Fprintf(g.stderr, "preflight of %s passed with warnings:\n", target)
		renderReport(g.stderr, rep)
	default:
		g.infof("preflight: %s passed (%s)\n", plural(len(rep.Checks), "check"), plural(rep.Requests, "request"))
	}
	return rep, nil, nil
}

type preflightEvent struct {
	Event  string           `json:"event"` // "preflight"
	Report preflight.Report `json:"report"`
}

// firstFailure is the preflight's verdict as a diagnosis, for --json: the
// first failing check's code and remedy, and the S3 operation the upload
// would have failed on when the canary proved it.
func firstFailure(rep preflight.Report) *diagnose.Diagnosis {
	var d *diagnose.Diagnosis
	for _, c := range rep.Checks {
		if c.Status != preflight.Fail {
			continue
		}
		if d == nil {
			d = &diagnose.Diagnosis{
				Code: c.Code, Operation: "preflight:" + c.Name, Principal: rep.Principal,
				Key: rep.KeyARN, Message: c.Detail, Remedy: c.Remedy,
			}
		}
		if c.Operation != "" {
			d.Operation = c.Operation
		}
	}
	return d
}

// inconclusiveDiagnosis is the reason an INCONCLUSIVE preflight proved
// nothing, for --json, when it has a code (endpoint_unreachable, ...).
func inconclusiveDiagnosis(rep preflight.Report) *diagnose.Diagnosis {
	if rep.ReasonCode == "" {
		return nil
	}
	return &diagnose.Diagnosis{Code: rep.ReasonCode, Operation: "preflight", Principal: rep.Principal, Key: rep.KeyARN,
		Message: "The preflight proved nothing, so nothing was uploaded: " + rep.Reason + "."}
}
