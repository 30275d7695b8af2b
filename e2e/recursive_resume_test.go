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

// cp --recursive run again: --skip-existing, and resuming a set.

// --skip-existing=content: one listing, then a HeadObject per file whose
// size matches. Where the server reports
// the object's full-object checksum of the configured algorithm, the
// checksum decides, whatever the times say: CRC64NVME, for single
// PutObjects and multipart objects alike (the stack's gate computes it as
// S3 does). Where it reports none usable, as for SHA256 multipart objects
// (COMPOSITE on S3, a checksum of part checksums), LastModified against
// the file's mtime decides (the aws s3 sync rule).
func TestRecursiveSkipExisting(t *testing.T) {
	for _, c := range []struct {
		alg string
		// What the rerun does with big.bin (unchanged) and touched_big.bin
		// (same bytes, mtime an hour ahead).
		bigNote, touchedStatus, touchedNote string
		multipart                           int
	}{
		{"CRC64NVME", "same size and CRC64NVME", "skipped", "same size and CRC64NVME", 0},
		{"SHA256", "stored after the file last changed", "ok", "", 1},
	} {
		t.Run(c.alg, func(t *testing.T) {
			tr := newTree(t, map[string]int64{
				"same.bin": 1000, "changed.bin": 1000, "big.bin": 6 * size.MiB, "touched_big.bin": 6 * size.MiB,
			})
			prefix := setPrefix(t)
			alg := []string{"--no-preflight", "--checksum-algorithm", c.alg}
			if r := runCLI(t, stack.Full, setCp(tr.dir, prefix, alg...)...); r.Code != 0 {
				t.Fatalf("first run: exit %d: %s", r.Code, r)
			}
			past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
			tr.write(t, "changed.bin", 1000) // same size, new bytes...
			touch(t, tr.path("changed.bin"), past)
			touch(t, tr.path("same.bin"), future) // ...and the converse
			touch(t, tr.path("touched_big.bin"), future)
			tr.write(t, "new.bin", 500)

			stack.ResetCounts()
			r := runCLI(t, stack.Full, setCp(tr.dir, prefix, append(alg, "--skip-existing=content", "--json")...)...)
			if r.Code != 0 {
				t.Fatalf("rerun: exit %d: %s", r.Code, r)
			}
			evs := validateSetEvents(t, r)
			for _, tt := range []struct {
				source, status, note string
			}{
				{"same.bin", "skipped", "same size and " + c.alg},
				{"changed.bin", "ok", ""},
				{"big.bin", "skipped", c.bigNote},
				{"touched_big.bin", c.touchedStatus, c.touchedNote},
				{"new.bin", "ok", ""},
			} {
				res := resultOf(t, evs, tt.source)
				if res.str("status") != tt.status || !strings.Contains(res.Line, tt.note) {
					t.Errorf("%s: %s, want %s (%q)", tt.source, res.Line, tt.status, tt.note)
				}
				if tt.status == "skipped" && (res.str("reason") != "exists" || res.int("exit_code") != 0) {
					t.Errorf("%s: skipped %s", tt.source, res.Line)
				}
			}
			cnt := stack.Counts()
			if n := cnt.Requests(stack.Full.Name, "HeadObject"); n < 4 {
				t.Errorf("%d HeadObject for the 4 files of the same size", n)
			}
			if n := cnt.Requests(stack.Full.Name, "ListObjectsV2"); n != 1 {
				t.Errorf("%d ListObjectsV2, want 1", n)
			}
			if n := cnt.Requests(stack.Full.Name, "PutObject"); n != 2 {
				t.Errorf("%d PutObject, want 2 (changed.bin, new.bin)", n)
			}
			if n := cnt.Requests(stack.Full.Name, "CreateMultipartUpload"); n != c.multipart {
				t.Errorf("%d CreateMultipartUpload, want %d (touched_big.bin: %s)", n, c.multipart, c.touchedStatus)
			}
			tr.checkStored(t, prefix, "same.bin", "changed.bin", "big.bin", "touched_big.bin", "new.bin")
			sum := evs.result()
			if sum.int("files_ok") != int64(2+c.multipart) || sum.int("files_skipped") != int64(3-c.multipart) || sum.int("exit_code") != 0 {
				t.Errorf("summary %s", sum.Line)
			}
		})
	}
}

// A set interrupted by SIGINT mid-way: the finished files stay, the file
// in flight is kept (exit 130), the later ones never start. The same
// command again with --skip-existing skips the finished files, resumes
// the partial one from its journal (resumed_bytes > 0) and uploads the
// rest.
func TestRecursiveInterruptThenResume(t *testing.T) {
	tr := newTree(t, map[string]int64{"a.bin": 1000, "b.bin": 2000, "c_big.bin": 30 * size.MiB, "d.bin": 3000})
	prefix := setPrefix(t)
	args := setCp(tr.dir, prefix, "--no-preflight", "--skip-existing", "--json", "--concurrency", "1")
	stack.ResetCounts()
	stack.SetFaults(teststack.Faults{Delay: 300 * time.Millisecond})
	defer stack.SetFaults(teststack.Faults{})
	// One at a time: a and b are PutObjects, c_big.bin 6 parts of 5 MiB;
	// after its second part, parts 4 to 6 have not started.
	run := startCLI(t, stack.Full, args...)
	waitFor(t, time.Minute, "2 acknowledged parts of c_big.bin", func() bool {
		return stack.Counts().Status(stack.Full.Name, "UploadPart", 200) >= 2
	})
	if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 130 {
		t.Fatalf("exit %d after SIGINT, want 130: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	wantKeys(t, prefix, "a.bin", "b.bin")
	if res := resultOf(t, evs, "c_big.bin"); res.str("status") != "interrupted" || !res.boolean("upload_kept") || res.int("exit_code") != 130 {
		t.Errorf("c_big.bin's result %s: want interrupted, kept", res.Line)
	}
	if sum := evs.result(); sum.int("exit_code") != 130 || sum.int("files_not_started") != 1 || sum.int("files_ok") != 2 {
		t.Errorf("summary %s: want exit 130, d.bin not started", sum.Line)
	}
	stack.SetFaults(teststack.Faults{})
	settleGate(t)

	stack.ResetCounts()
	r = runCLI(t, stack.Full, args...)
	if r.Code != 0 {
		t.Fatalf("rerun: exit %d: %s", r.Code, r)
	}
	evs = validateSetEvents(t, r)
	for _, src := range []string{"a.bin", "b.bin"} {
		if res := resultOf(t, evs, src); res.str("status") != "skipped" || res.str("reason") != "exists" {
			t.Errorf("%s on the rerun: %s, want skipped as existing", src, res.Line)
		}
	}
	res := resultOf(t, evs, "c_big.bin")
	if res.str("status") != "ok" || res.int("resumed_bytes") <= 0 {
		t.Errorf("c_big.bin on the rerun: %s, want ok with resumed_bytes > 0", res.Line)
	}
	if got := sourcesOf(evs, "start"); !slices.Equal(got, []string{"c_big.bin", "d.bin"}) {
		t.Errorf("the rerun started %v, want c_big.bin and d.bin", got)
	}
	if n := stack.Counts().Requests(stack.Full.Name, "CreateMultipartUpload"); n != 0 {
		t.Errorf("the rerun created %d uploads instead of resuming", n)
	}
	wantKeys(t, prefix, "a.bin", "b.bin", "c_big.bin", "d.bin")
	tr.checkStored(t, prefix, "a.bin", "b.bin", "c_big.bin", "d.bin")
}

func touch(t *testing.T, path string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
}
