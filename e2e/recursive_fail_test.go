package e2e

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// cp --recursive: how a set fails.

// The seed failure in a set: a user without kms:Decrypt. With the preflight
// (sized by the largest file) nothing is sent; without it, the small file
// before the big one uploads, the big one fails on UploadPart, and the set
// stops at once: the files after it never start. Exit 3 with the diagnosis,
// in the file's result and in the summary.
func TestRecursiveDenialStopsSet(t *testing.T) {
	files := map[string]int64{"a.bin": 100 * size.KiB, "b_big.bin": 6 * size.MiB, "c.bin": 100, "d.bin": 100}
	for _, tt := range []struct {
		name      string
		flags     []string
		uploaded  []string
		failed    []string
		preflight bool
	}{
		{"preflight", nil, nil, nil, true},
		{"no preflight", []string{"--no-preflight"}, []string{"a.bin"}, []string{"b_big.bin"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTree(t, files)
			prefix := setPrefix(t)
			stack.ResetCounts()
			// One file at a time, so the order is known: a, b_big, c, d.
			r := runCLI(t, stack.NoDecrypt, setCp(tr.dir, prefix, append([]string{"--json", "--concurrency", "1"}, tt.flags...)...)...)
			if r.Code != 3 {
				t.Fatalf("exit %d, want 3: %s", r.Code, r)
			}
			evs := validateSetEvents(t, r)
			wantKeys(t, prefix, tt.uploaded...)
			if got := sourcesOf(evs, "start"); !slices.Equal(got, append(slices.Clone(tt.uploaded), tt.failed...)) {
				t.Errorf("files started: %v, want %v", got, append(tt.uploaded, tt.failed...))
			}
			sum := evs.result()
			d := sum.object("diagnosis")
			if d["code"] != "missing_kms_decrypt" || sum.int("exit_code") != 3 {
				t.Fatalf("summary %s: want exit 3, diagnosis missing_kms_decrypt", sum.Line)
			}
			if want := int64(4 - len(tt.uploaded) - len(tt.failed)); sum.int("files_not_started") != want {
				t.Errorf("summary: %d files not started, want %d", sum.int("files_not_started"), want)
			}
			if tt.preflight {
				if v := evs.one(t, "preflight").object("report")["verdict"]; v != "FAIL" {
					t.Errorf("preflight verdict %v", v)
				}
				if c := stack.Counts(); c.Requests(stack.NoDecrypt.Name, "PutObject") != 0 {
					t.Error("data was sent after a failed preflight")
				}
				return
			}
			res := resultOf(t, evs, "b_big.bin")
			if rd := res.object("diagnosis"); res.str("status") != "failed" || rd["code"] != "missing_kms_decrypt" || rd["operation"] != "UploadPart" || !res.boolean("upload_kept") {
				t.Errorf("b_big.bin's result %s: want failed, missing_kms_decrypt on UploadPart, upload kept", res.Line)
			}
			if !strings.Contains(r.Stderr, "The set stopped at b_big.bin") || !strings.Contains(r.Stderr, "kms:Decrypt") {
				t.Errorf("stderr does not explain the stop:\n%s", r.Stderr)
			}
			if c := stack.Counts(); c.Requests(stack.NoDecrypt.Name, "PutObject") != 1 {
				t.Errorf("%d PutObject: files after the failure were sent", c.Requests(stack.NoDecrypt.Name, "PutObject"))
			}
		})
	}
}

// A transient failure (every UploadPart answered 500, after one retry)
// fails only that file: the set goes on, and exits 4 with the upload kept;
// the retry line names the file.
func TestRecursiveTransientFailureGoesOn(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 1000, "b_big.bin": 6 * size.MiB, "c.bin": 1000})
	prefix := setPrefix(t)
	stack.SetFaults(teststack.Faults{ErrorRate: 1, Seed: 1})
	defer stack.SetFaults(teststack.Faults{})
	r := runCLI(t, stack.Full, setCp(tr.dir, prefix, "--json", "--concurrency", "1", "--retries", "1", "--no-preflight")...)
	if r.Code != 4 {
		t.Fatalf("exit %d, want 4: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	wantKeys(t, prefix, "a.bin", "c.bin")
	tr.checkStored(t, prefix, "a.bin", "c.bin")
	if res := resultOf(t, evs, "b_big.bin"); res.str("status") != "failed" || res.int("exit_code") != 4 || !res.boolean("upload_kept") {
		t.Errorf("b_big.bin's result %s: want failed with exit_code 4, the upload kept", res.Line)
	}
	if sum := evs.result(); sum.int("files_ok") != 2 || sum.int("files_failed") != 1 || sum.int("files_not_started") != 0 {
		t.Errorf("summary %s", sum.Line)
	}
	retries := evs.kind("retry")
	if len(retries) == 0 {
		t.Fatal("no retry line, though every part was answered 500 and one retry was allowed")
	}
	for _, e := range retries {
		if e.str("source") != "b_big.bin" {
			t.Errorf("retry %s: want source b_big.bin", e.Line)
		}
	}
}

// A file removed between the walk and its turn fails alone (exit 1); the
// others upload. The first file is slowed so the removal lands before
// the second's turn.
func TestRecursiveVanishedFile(t *testing.T) {
	tr := newTree(t, map[string]int64{"a_big.bin": 11 * size.MiB, "b.bin": 1000, "c.bin": 1000})
	prefix := setPrefix(t)
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, setCp(tr.dir, prefix, "--json", "--concurrency", "1", "--no-preflight")...)
	waitFor(t, time.Minute, "a_big.bin's first part", func() bool {
		return stack.Counts().Requests(stack.Full.Name, "UploadPart") >= 1
	})
	if err := os.Remove(tr.path("b.bin")); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	wantKeys(t, prefix, "a_big.bin", "c.bin")
	if res := resultOf(t, evs, "b.bin"); res.str("status") != "failed" || !strings.Contains(res.str("error"), "does not exist any more") {
		t.Errorf("b.bin's result %s: want failed, the file gone", res.Line)
	}
	if !strings.Contains(r.Stderr, "b.bin does not exist any more") {
		t.Errorf("stderr does not name the vanished file:\n%s", r.Stderr)
	}
}
