package network

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"

	"github.com/uploader-dev/uploader/internal/journal"
)

// A third of the connections stall mid-body (the server side stops
// reading, the connection stays open): each stalled part is cancelled
// after the 2 s stall timeout and sent again on a new connection. Before,
// such an upload hung until Ctrl-C.
func TestStalledConnectionsMidBody(t *testing.T) {
	resetProxy(t)
	slowLink(t)
	// Big enough to outlast the tries below (about 10 s through slowLink,
	// 4 parts at a time): 64 MiB ended in 4.8 s on an idle machine, before
	// a stall was rolled. (A slower link instead makes the 2 s window trip
	// on the wait for the answer while the proxy still drains its buffer.)
	src, sum := makeFile(t, 160<<20)
	k := key(t)
	stalls := make(chan struct{}, 100)
	p := start(t, t.TempDir(), func(line string) {
		if strings.Contains(line, `"event":"network_wait"`) && strings.Contains(line, `"stalled":true`) {
			stalls <- struct{}{}
		}
	}, cpArgs(src, k, "--json", "--no-preflight")...)
	// A 60 s latency holds each chunk that long: the proxy stops reading
	// from the client mid-body, the connection stays open. The toxicity is
	// rolled per connection (those in flight and the new ones) each time
	// the toxic is added: it is added again until a stall was seen, at
	// most 5 times, then left for 3 s more and removed.
	time.Sleep(1500 * time.Millisecond)
	for try := 0; try < 5; try++ {
		addToxic(t, "stall", "latency", "upstream", 0.33, toxiclient.Attributes{"latency": 60000})
		select {
		case <-stalls:
			try = 5
			time.Sleep(3 * time.Second)
		case <-time.After(3 * time.Second):
		case <-p.done:
			try = 5
		}
		removeToxic(t, "stall")
	}
	r := p.wait(t)
	if r.Code != 0 {
		t.Fatalf("want exit 0: %s", r)
	}
	if got := objectSHA256(t, k); got != sum {
		t.Fatalf("stored object differs from the source: %s", r)
	}
	waits := networkWaits(t, r.Stdout)
	stalled := 0
	for _, w := range waits {
		if w["stalled"] == true {
			stalled++
		}
	}
	if stalled == 0 {
		t.Errorf("no stalled network_wait event: %s", r)
	}
	t.Logf("%d network waits (%d stalled) in %s", len(waits), stalled, r.Took)
}

// An outage (every connection refused or dropped) of 5 s, within the 10 s
// retry window: the upload waits, says so, and completes exact. Before, it
// failed within 0.3 s.
func TestOutageShorterThanWindow(t *testing.T) {
	resetProxy(t)
	slowLink(t)
	src, sum := makeFile(t, 48<<20)
	k := key(t)
	after(t, 2*time.Second, func() {
		disable(t)
		time.Sleep(5 * time.Second)
		enable(t)
	})
	r := run(t, t.TempDir(), cpArgs(src, k, "--json")...)
	if r.Code != 0 {
		t.Fatalf("want exit 0: %s", r)
	}
	if got := objectSHA256(t, k); got != sum {
		t.Fatalf("stored object differs from the source: %s", r)
	}
	if len(networkWaits(t, r.Stdout)) == 0 {
		t.Errorf("no network_wait event: %s", r)
	}
}

// An outage longer than the window, lived through as a journey: the run
// gives up once the 5 s window has passed, exit 4 with endpoint_unreachable
// and the upload kept; the identical command, run again while the outage
// lasts, says the same and creates no second upload; once the endpoint is
// back, the identical command resumes the kept upload and stores the exact
// object.
func TestOutageLongerThanWindow(t *testing.T) {
	resetProxy(t)
	windowJourney(t, "endpoint_unreachable", func() { disable(t) }, func() { enable(t) })
}

// The endpoint stalls mid-upload (connections accepted, requests read,
// nothing ever answered) for longer than the window, as a journey: exit 4
// with endpoint_stalled after the 2 s stall timeout and the 5 s window, the
// upload kept; the identical command, still stalled, says the same and
// creates no second upload; once the endpoint answers again, the identical
// command resumes the kept upload and stores the exact object.
func TestStallLongerThanWindow(t *testing.T) {
	resetProxy(t)
	windowJourney(t, "endpoint_stalled",
		func() { addToxic(t, "hole", "timeout", "downstream", 1, toxiclient.Attributes{"timeout": 0}) },
		func() { removeToxic(t, "hole") })
}

// windowJourney runs one cp command (--json --no-preflight, a 5 s retry
// window) three times through a slow link: cut starts a network fault once
// the run has journaled a part, and the run must give up with exit 4 and
// code, naming the retry window, its upload kept; the same command, the
// fault still on, must say the same on the same upload and create none;
// after fix, the same command must resume the kept upload and store the
// exact object, leaving no upload.
func windowJourney(t *testing.T, code string, cut, fix func()) {
	t.Helper()
	slowLink(t)
	src, sum := makeFile(t, 48<<20)
	k := key(t)
	state := t.TempDir()
	args := cpArgs(src, k, "--retry-window", "5s", "--json", "--no-preflight")
	// The fault begins once the run has journaled a part, so that the
	// last run has a part to resume from. (Not once the gate counts a
	// 200: it counts before the answer is flushed, and the cut could
	// drop that answer before the client reads it.)
	p := start(t, state, func(string) {}, args...)
	journaled := func() bool { r := journalOf(t, state, k); return r != nil && len(r.Parts) > 0 }
	for deadline := time.Now().Add(time.Minute); !journaled(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no part recorded in the run's journal within a minute")
		}
	}
	down := time.Now()
	cut()
	r := p.wait(t)
	if r.Code != 4 || !strings.Contains(r.Stderr, "retry window") {
		t.Fatalf("want exit 4 naming the retry window: %s", r)
	}
	const giveUpBound = 20 * time.Second // the 5 s window, with room for a loaded machine
	if took := time.Since(down); took > giveUpBound {
		t.Errorf("gave up %s after the fault began, want about the 5 s window", took)
	}
	res := resultOf(t, r)
	if d, _ := res["diagnosis"].(map[string]any); d["code"] != code {
		t.Fatalf("run 1: diagnosis %v, want %s: %s", res["diagnosis"], code, r)
	}
	ids := uploadsFor(t, k)
	if len(ids) != 1 || res["upload_id"] != ids[0] || res["upload_kept"] != true {
		t.Fatalf("run 1: want its upload %v kept, S3 holds %v: %s", res["upload_id"], ids, r)
	}

	// The same command while the fault lasts: the same words, within the
	// same bound, on the same upload (it stays the one S3 holds and the
	// journal names), nothing new created. Run 2's result names no upload
	// (it stops at the resume's ListParts, before it has one to report);
	// should it name one, it must be the kept one.
	r2 := run(t, state, args...)
	res2 := resultOf(t, r2)
	if r2.Code != 4 || !strings.Contains(r2.Stderr, "retry window") {
		t.Errorf("run 2, fault on: want exit 4 naming the retry window: %s", r2)
	}
	if r2.Took > giveUpBound {
		t.Errorf("run 2 gave up after %s, want about the 5 s window", r2.Took)
	}
	if d, _ := res2["diagnosis"].(map[string]any); d["code"] != code {
		t.Errorf("run 2, fault on: diagnosis %v, want %s: %s", res2["diagnosis"], code, r2)
	}
	// The same cause, word for word (the operation may differ: the rerun
	// stops at ListParts, the first request of a resume, which has no body
	// to say how much of was sent).
	if c1, c2 := saidCause(r.Stderr), saidCause(r2.Stderr); c1 == "" || c2 != c1 {
		t.Errorf("run 2 says %q, run 1 said %q", c2, c1)
	}
	if again := uploadsFor(t, k); len(again) != 1 || again[0] != ids[0] {
		t.Errorf("run 2: S3 holds %v for the key, want only the kept %s", again, ids[0])
	}
	if j := journalOf(t, state, k); j == nil {
		t.Errorf("run 2: no journal left for the key, want the kept %s's", ids[0])
	} else if j.UploadID != ids[0] {
		t.Errorf("run 2: the journal names upload %s, want the kept %s", j.UploadID, ids[0])
	}
	if id, ok := res2["upload_id"]; ok && id != ids[0] {
		t.Errorf("run 2 reports upload %v, want the kept %s", id, ids[0])
	}

	// The cause fixed: the same command resumes the kept upload.
	fix()
	r3 := run(t, state, args...)
	res3 := resultOf(t, r3)
	if r3.Code != 0 || !strings.Contains(r3.Stderr, "resum") {
		t.Fatalf("run 3, fault gone: want exit 0 resuming: %s", r3)
	}
	if res3["upload_id"] != ids[0] {
		t.Errorf("run 3 completed upload %v, want the kept %s resumed", res3["upload_id"], ids[0])
	}
	if n, _ := res3["resumed_bytes"].(float64); n <= 0 || n >= 48<<20 {
		t.Errorf("run 3: resumed_bytes %v, want the parts acknowledged before the fault", res3["resumed_bytes"])
	}
	if got := objectSHA256(t, k); got != sum {
		t.Fatal("stored object differs from the source")
	}
	if left := uploadsFor(t, k); len(left) != 0 {
		t.Errorf("uploads left for the key after it completed: %v", left)
	}
	t.Logf("run 1 %s, run 2 %s, run 3 %s", r.Took.Round(time.Millisecond), r2.Took.Round(time.Millisecond), r3.Took.Round(time.Millisecond))
}

// journalOf is the journal of key in the state folder the runs are given
// as XDG_STATE_HOME (its parts are those the run has read S3's answer
// for), or nil while there is none that reads.
func journalOf(t *testing.T, state, key string) *journal.Record {
	t.Helper()
	s, err := journal.Open(filepath.Join(state, "uploader"))
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := s.List() // a journal being begun may not read yet
	for _, r := range recs {
		if r.Identity.Key == key {
			return &r
		}
	}
	return nil
}

// resultOf is the result event, the last stdout line of a --json run.
func resultOf(t *testing.T, r result) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil || m["event"] != "result" {
		t.Fatalf("the last stdout line is not the result (%v): %s", err, r)
	}
	return m
}

// saidCause is the cause on the one line a failed run says first on
// stderr ("uploader: OPERATION: CAUSE [code]"), without the operation and
// without how much of a part's body was sent; "" when there is no such
// line.
func saidCause(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(l, "uploader: "); ok {
			if _, cause, ok := strings.Cut(rest, ": "); ok {
				rest = cause
			}
			return bodySent.ReplaceAllString(rest, "")
		}
	}
	return ""
}

var bodySent = regexp.MustCompile(` \(\d+ bytes of the body sent\)`)

// Preflight against a blackhole (connections accepted, nothing ever
// answered): INCONCLUSIVE, exit 5, within the stall timeout plus 5 s.
// Before, it hung until killed.
func TestPreflightBlackhole(t *testing.T) {
	resetProxy(t)
	addToxic(t, "hole", "timeout", "downstream", 1, toxiclient.Attributes{"timeout": 0})
	r := run(t, t.TempDir(), netFlags([]string{"preflight", "s3://" + stack.Bucket + "/" + key(t), "--size", "100MiB",
		"--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--stall-timeout", stallTimeout})...)
	if r.Code != 5 || !strings.Contains(r.Stdout+r.Stderr, "stalled") {
		t.Fatalf("want exit 5 saying the endpoint stalled: %s", r)
	}
	if r.Took > 7*time.Second+500*time.Millisecond {
		t.Errorf("took %s, want within the 2 s stall timeout plus 5 s", r.Took)
	}
	t.Logf("preflight: %s", r)
}

// A reset storm: for 3 s nine connections in ten are reset 200 ms in.
// Every part is sent again, riding the storm out within the retry window,
// and the object is exact. Before, five quick attempts (about 0.75 s of
// backoff) ran out inside the storm: exit 4.
func TestResetStorm(t *testing.T) {
	resetProxy(t)
	slowLink(t)
	src, sum := makeFile(t, 48<<20)
	k := key(t)
	after(t, 2*time.Second, func() {
		addToxic(t, "reset", "reset_peer", "upstream", 0.9, toxiclient.Attributes{"timeout": 200})
		time.Sleep(3 * time.Second)
		removeToxic(t, "reset")
	})
	r := run(t, t.TempDir(), cpArgs(src, k)...)
	if r.Code != 0 {
		t.Fatalf("want exit 0: %s", r)
	}
	if got := objectSHA256(t, k); got != sum {
		t.Fatal("stored object differs from the source")
	}
}

// networkWaits returns the network_wait events of a --json run, checked
// against docs/json-events.md's fields.
func networkWaits(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if m["event"] != "network_wait" {
			continue
		}
		for _, f := range []string{"operation", "part", "attempt", "reason", "stalled", "retry_at", "gives_up_at"} {
			if _, ok := m[f]; !ok {
				t.Errorf("network_wait without %s: %s", f, line)
			}
		}
		for _, f := range []string{"retry_at", "gives_up_at"} {
			if s, _ := m[f].(string); s != "" {
				if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
					t.Errorf("%s %q is not RFC 3339", f, s)
				}
			}
		}
		out = append(out, m)
	}
	return out
}
