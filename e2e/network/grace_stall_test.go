package network

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	toxiclient "github.com/Shopify/toxiproxy/v2/client"
)

// graceIdle is cmd/uploader's graceIdleLimit: after the first Ctrl-C,
// parts in flight that send no byte for this long are cancelled.
const graceIdle = 10 * time.Second

// Ctrl-C while the link is stalled, as a journey with one command: the
// first SIGINT lets the parts in flight finish while they move, but the
// link carries nothing (connections open, no byte through either way), so
// after the grace's 10 s idle limit they are cancelled: exit 130, status
// interrupted, stderr saying they made no progress for 10s, the upload
// kept. The link back, the identical command resumes that upload and
// stores the exact object, leaving no upload for the key.
func TestCtrlCWhileLinkStalled(t *testing.T) {
	resetProxy(t)
	slowLink(t)
	// 12 parts of 8 MiB, 4 at a time at 4 MB/s each: parts are still on
	// the wire when the first one is journaled.
	const size = 96 << 20
	src, sum := makeFile(t, size)
	k := key(t)
	state := t.TempDir()
	// The product's own windows (30 s stall timeout, 5 min retry window),
	// not the module's scaled ones: with a 2 s stall timeout each stalled
	// part is resent during the grace (bytes move into the proxy's
	// buffers: progress), and the scaled 10 s retry window closes at
	// about the grace's 10 s idle limit, so which ends the run is a race.
	args := cpArgs(src, k, "--stall-timeout", "30s", "--retry-window", "5m", "--json", "--no-preflight")

	p := start(t, state, func(string) {}, args...)
	// Stall once a part is in the run's journal (the run has read S3's
	// answer for it), so the rerun has a part to resume from. (Not once
	// the gate counts a 200: it counts before the answer reaches the
	// client.)
	journaled := func() bool { r := journalOf(t, state, k); return r != nil && len(r.Parts) > 0 }
	for deadline := time.Now().Add(time.Minute); !journaled(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no part recorded in the run's journal within a minute; stderr:\n%s", p.stderr.String())
		}
		select {
		case <-p.done:
			t.Fatalf("the run ended before a part was journaled: %s", p.wait(t))
		default:
		}
	}
	// The link stalls both ways: the proxy stops reading the bodies and
	// stops passing answers back; connections stay open.
	addToxic(t, "hole-up", "timeout", "upstream", 1, toxiclient.Attributes{"timeout": 0})
	addToxic(t, "hole-down", "timeout", "downstream", 1, toxiclient.Attributes{"timeout": 0})
	signalled := time.Now()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	r := p.wait(t)
	took := time.Since(signalled)
	if r.Code != 130 {
		t.Fatalf("run 1, Ctrl-C on a stalled link: want exit 130: %s", r)
	}
	if took > graceIdle+15*time.Second {
		t.Errorf("run 1 ended %s after Ctrl-C, want within the %s idle limit plus 15 s", took.Round(time.Millisecond), graceIdle)
	}
	if took < graceIdle-time.Second {
		t.Errorf("run 1 ended %s after Ctrl-C, before the %s idle limit could pass", took.Round(time.Millisecond), graceIdle)
	}
	if !strings.Contains(r.Stderr, "made no progress for 10s") {
		t.Errorf("run 1: stderr does not say the parts made no progress for 10s: %s", r)
	}
	res := resultOf(t, r)
	if res["status"] != "interrupted" {
		t.Errorf("run 1: result status %v, want interrupted: %s", res["status"], r)
	}
	id, _ := res["upload_id"].(string)
	if ids := uploadsFor(t, k); id == "" || !slices.Contains(ids, id) {
		t.Fatalf("run 1: want its upload %q kept, S3 holds %v for the key: %s", id, ids, r)
	}

	// The link back: the identical command resumes the kept upload.
	removeToxic(t, "hole-up")
	removeToxic(t, "hole-down")
	r2 := run(t, state, args...)
	if r2.Code != 0 {
		t.Fatalf("run 2, link back: want exit 0: %s", r2)
	}
	res2 := resultOf(t, r2)
	if !strings.Contains(r2.Stderr, "resuming upload "+id) {
		t.Errorf("run 2: stderr does not say it resumes upload %s: %s", id, r2)
	}
	if res2["upload_id"] != id {
		t.Errorf("run 2 completed upload %v, want the kept %s", res2["upload_id"], id)
	}
	if n, _ := res2["resumed_bytes"].(float64); n <= 0 || n >= size {
		t.Errorf("run 2: resumed_bytes %v, want the parts acknowledged before the stall", res2["resumed_bytes"])
	}
	if got := objectSHA256(t, k); got != sum {
		t.Fatalf("stored object differs from the source: %s", r2)
	}
	if left := uploadsFor(t, k); len(left) != 0 {
		t.Errorf("uploads left for the key after it completed: %v", left)
	}
	t.Logf("run 1 ended %s after Ctrl-C (%s in all), run 2 %s", took.Round(time.Millisecond), r.Took.Round(time.Millisecond), r2.Took.Round(time.Millisecond))
}
