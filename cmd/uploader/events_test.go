package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// Two files of a set interleave their events: each line of one names it
// (source and target), and a failed file's result has the bytes this run
// sent of it and what an earlier run had, not the set's.
func TestEventsNameTheirObject(t *testing.T) {
	var out bytes.Buffer
	e := newEventWriter(&out).forSet(2, 300)
	a := objectListener{events: e, obj: object{Source: "a.bin", Target: "s3://b/p/a.bin"}}
	b := objectListener{events: e, obj: object{Source: "d/b.bin", Target: "s3://b/p/d/b.bin"}}
	a.Started(upload.StartInfo{Size: 100})
	b.Started(upload.StartInfo{Size: 200, Resumed: 50, Plan: upload.Plan{Multipart: true, PartSize: 50, Parts: 4}, UploadID: "U"})
	a.BytesSent(10)
	b.BytesSent(20)
	a.Retrying(upload.RetryInfo{Part: 0, Attempt: 2, Reason: "503"})
	b.WaitingForNetwork(upload.NetworkWait{Operation: "UploadPart", Part: 2, Attempt: 1, Reason: "reset", RetryAt: time.Now(), Deadline: time.Now()})
	e.result(outcome{obj: b.obj, class: tree.FailedTransient, code: ExitTransient, err: &upload.Error{UploadID: "U", Err: errors.New("boom")}})
	a.BytesSent(90)
	e.result(outcome{obj: a.obj, class: tree.OK, upload: upload.Result{Size: 100, ETag: `"e"`}})

	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		ev := m["event"].(string)
		seen[ev]++
		if ev == "progress" {
			if _, ok := m["files_total"]; !ok {
				t.Errorf("a set's progress without its totals: %s", line)
			}
			continue
		}
		src, _ := m["source"].(string)
		tgt, _ := m["target"].(string)
		if src == "" || !strings.HasSuffix(tgt, "/"+src) {
			t.Errorf("%s does not name its object: %s", ev, line)
		}
		if ev == "result" && src == "d/b.bin" && (m["bytes"].(float64) != 20 || m["resumed_bytes"].(float64) != 50 || m["upload_kept"] != true) {
			t.Errorf("failed file's result: %s", line)
		}
	}
	for _, ev := range []string{"start", "retry", "network_wait", "result"} {
		if seen[ev] == 0 {
			t.Errorf("no %s line in:\n%s", ev, out.String())
		}
	}
}

// Both bars print the engine's network waits above themselves, at most one
// line every barWaitEvery, so an outage does not scroll the terminal.
func TestBarsSayNetworkWaits(t *testing.T) {
	wait := upload.NetworkWait{Operation: "UploadPart", Part: 3, Attempt: 1, Reason: "connection reset by peer",
		RetryAt: time.Now().Add(time.Second), Deadline: time.Now().Add(time.Minute)}
	for _, tt := range []struct {
		name string
		bar  func(io.Writer) upload.NetworkListener
	}{
		{"file", func(w io.Writer) upload.NetworkListener { return newBarListener(w, "f") }},
		{"set", func(w io.Writer) upload.NetworkListener { return newSetBar(w, 2, 100) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			l := tt.bar(&out)
			l.WaitingForNetwork(wait)
			l.WaitingForNetwork(wait) // within barWaitEvery: not said again
			if got := strings.Count(out.String(), "waiting for the network (part 3, no answer: connection reset by peer)"); got != 1 {
				t.Fatalf("%d wait lines, want 1: %q", got, out.String())
			}
		})
	}
}
