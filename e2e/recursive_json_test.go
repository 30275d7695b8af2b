package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// validateSetEvents checks a cp --recursive --json stdout against
// docs/json-events.md: every line as validateEvents checks it, then the
// order of a set (checkSetSequence). It fails the test on any violation.
func validateSetEvents(t *testing.T, r cliResult) eventStream {
	t.Helper()
	evs, errs := parseEvents(t, r)
	errs = append(errs, checkSetSequence(evs)...)
	if len(errs) > 0 {
		t.Fatalf("--json output of a set breaks the documented schema:\n  %s\nstdout:\n%s\nstderr:\n%s", strings.Join(errs, "\n  "), r.Stdout, r.Stderr)
	}
	return evs
}

// checkSetSequence checks what the schema cannot say line by line:
//
//	[preflight] (start | progress | retry | result)* summary
//
// each file's start at most once and before its result, its result
// exactly once and last among its lines; the summary last, once, and
// agreeing with the results.
func checkSetSequence(evs eventStream) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if len(evs) == 0 {
		return []string{"no events"}
	}
	started := map[string]jsonEvent{} // source -> its start
	ended := map[string]bool{}
	count := map[string]int{} // result status -> results
	var lastBytes int64 = -1
	for i, e := range evs {
		n := i + 1
		if i > 0 && evs[i-1].Kind == "summary" {
			bad("event %d (%s) after the summary", n, e.Kind)
		}
		src := e.str("source")
		switch e.Kind {
		case "preflight":
			if i != 0 {
				bad("preflight is event %d, want the first", n)
			}
		case "start":
			if _, ok := started[src]; ok {
				bad("a second start for %q", src)
			}
			if ended[src] {
				bad("start of %q after its result", src)
			}
			started[src] = e
			errs = append(errs, checkStart(e)...)
		case "progress":
			for _, k := range []string{"files_done", "files_total", "total_bytes"} {
				if _, ok := e.Fields[k]; !ok {
					bad("a set's progress without %s: %s", k, e.Line)
				}
			}
			b := e.int("bytes")
			if b < lastBytes {
				bad("progress bytes went back from %d to %d", lastBytes, b)
			}
			if b > e.int("total_bytes") {
				bad("progress bytes %d above the set's total %d", b, e.int("total_bytes"))
			}
			if e.int("files_done") > e.int("files_total") {
				bad("progress: %d files done of %d", e.int("files_done"), e.int("files_total"))
			}
			lastBytes = b
		case "network_wait":
			// May come before the file's start (CreateMultipartUpload).
		case "retry":
			if _, ok := started[src]; !ok {
				bad("a set's retry without the source of a started file: %s", e.Line)
			}
		case "result":
			if src == "" {
				bad("a set's result without source: %s", e.Line)
			}
			if ended[src] {
				bad("a second result for %q", src)
			}
			ended[src] = true
			count[e.str("status")]++
			size := int64(-1)
			if st, ok := started[src]; ok {
				size = st.int("size")
			}
			errs = append(errs, checkSetResult(e, size)...)
		case "summary":
		default:
			bad("event %d: %s has no place in a set", n, e.Kind)
		}
	}
	sum := evs[len(evs)-1]
	if sum.Kind != "summary" {
		return append(errs, fmt.Sprintf("the last event is %q, want summary", sum.Kind))
	}
	if n := len(evs.kind("summary")); n != 1 {
		bad("%d summary events, want 1", n)
	}
	for src := range started {
		if !ended[src] {
			bad("%q started but has no result", src)
		}
	}
	ok, failed, skipped := sum.int("files_ok"), sum.int("files_failed"), sum.int("files_skipped")
	if ok != int64(count["ok"]) || failed != int64(count["failed"]+count["cancelled"]+count["interrupted"]) || skipped != int64(count["skipped"]) {
		bad("summary counts ok %d, failed %d, skipped %d; the results say %v", ok, failed, skipped, count)
	}
	if total := ok + failed + skipped + sum.int("files_not_started"); total != sum.int("files_total") {
		bad("summary: %d files in all, but ok + failed + skipped + not started = %d", sum.int("files_total"), total)
	}
	if code := sum.int("exit_code"); code != 0 && sum.str("error") == "" {
		bad("summary with exit_code %d and no error", code)
	}
	if code := sum.int("exit_code"); code == 0 && failed > 0 {
		bad("summary exit_code 0 with %d failed files", failed)
	}
	if n, d := len(evs.kind("progress")), sum.num("duration_seconds"); n > 0 && float64(n-1) > d {
		bad("%d progress events in %.2f s: more than one a second", n, d)
	}
	return errs
}

// checkSetResult checks one file's result: as a single cp's for ok,
// failed and interrupted, and the set's own statuses.
func checkSetResult(e jsonEvent, size int64) []string {
	var errs []string
	switch e.str("status") {
	case "skipped":
		reason := e.str("reason")
		if reason == "" {
			errs = append(errs, "skipped without a reason: "+e.Line)
		}
		if (reason == "exists") != (e.int("exit_code") == 0) {
			errs = append(errs, fmt.Sprintf("skipped as %q with exit_code %d", reason, e.int("exit_code")))
		}
		if _, ok := e.Fields["error"]; ok {
			errs = append(errs, "skipped with an error")
		}
	case "cancelled":
		if e.int("exit_code") == 0 || e.str("error") == "" {
			errs = append(errs, "cancelled without exit_code or error: "+e.Line)
		}
	default:
		if _, ok := e.Fields["reason"]; ok {
			errs = append(errs, "a reason on a result that was not skipped")
		}
		// A failed file's bytes are not known per file (docs): only ok
		// results are held to the start's size.
		if e.str("status") != "ok" {
			size = -1
		}
		errs = append(errs, checkResult(e, size)...)
	}
	return errs
}
