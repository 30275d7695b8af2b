package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// A resumed upload's rate is this run's bytes over this run's time
// (issue 17: it divided the whole object, the earlier run's parts too):
// 10 MiB sent in 10 s of a 100 MiB object whose 90 MiB were resumed is
// about 1 MiB/s, not 10.
func TestUploadedLineRateIsThisRuns(t *testing.T) {
	var stderr, stdout bytes.Buffer
	g := &globalOptions{stdout: &stdout, stderr: &stderr}
	r := newReporter(g, newEventWriter(&stdout), false, false)
	r.start = time.Now().Add(-10 * time.Second)
	r.sent.BytesSent(10 * size.MiB)
	res := upload.Result{Bucket: "b", Key: "k", Size: 100 * size.MiB, Resumed: 90 * size.MiB, ETag: `"e"`}
	r.end(outcome{obj: object{Source: "f", Target: "s3://b/k"}, class: tree.OK, upload: res, wholeRun: true})

	m := regexp.MustCompile(`in [0-9.]+s \(([0-9.]+) (MiB|KiB)/s\)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no rate in %q", stderr.String())
	}
	rate, _ := strconv.ParseFloat(m[1], 64)
	if m[2] == "MiB" {
		rate *= 1024
	}
	if rate < 0.9*1024 || rate > 1024.5 { // KiB/s: 10 MiB over a little more than 10 s
		t.Errorf("rate %s %s/s, want about 1 MiB/s (this run's 10 MiB in 10 s): %s", m[1], m[2], stderr.String())
	}
	if !strings.Contains(stderr.String(), "90 MiB of it already uploaded by an earlier run") {
		t.Errorf("the resumed bytes are not said: %s", stderr.String())
	}
	// The JSON result names the object and keeps the whole object's size.
	if !strings.Contains(stdout.String(), `"source":"f","target":"s3://b/k","bytes":104857600`) {
		t.Errorf("result %s", stdout.String())
	}
}
