package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

// A journal corrupted after a crash never orphans its upload silently.
// When its header still names the upload, the rerun aborts that upload
// (and only that one) and starts over; when nothing in it can be trusted,
// the rerun names the key's unfinished uploads with the command that
// aborts each, and aborts none of them (one may be another host's).
func TestCorruptJournalOrphansNothingSilently(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, good []byte) []byte
		aborted bool
	}{
		{"its header's checksum damaged", func(t *testing.T, good []byte) []byte {
			const prefix = `{"crc32c":"`
			if !bytes.HasPrefix(good, []byte(prefix)) {
				t.Fatalf("journal does not start with %s", prefix)
			}
			bad := bytes.Clone(good)
			bad[len(prefix)] ^= 1 // '0'..'f' stays printable
			return bad
		}, true},
		{"random bytes", func(t *testing.T, good []byte) []byte {
			b := make([]byte, len(good))
			rand.Read(b)
			return b
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, sum := makeFile(t, 20*size.MiB)
			key := flatKey(t, "obj.bin") // listable on moto (no '/')
			cleanupKey(t, key)
			old := abandonUpload(t, src, key)
			rec := journalFor(t, key)
			if rec == nil {
				t.Fatal("no journal after the kill")
			}
			good, err := os.ReadFile(rec.Path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(rec.Path, tt.corrupt(t, good), 0o600); err != nil {
				t.Fatal(err)
			}
			for run := 1; run <= 2; run++ { // the second run must say nothing new
				r := runCLI(t, stack.Full, kmsCp(src, key)...)
				if r.Code != 0 {
					t.Fatalf("run %d: exit %d: %s", run, r.Code, r)
				}
				if run == 2 {
					if strings.Contains(r.Stderr, "corrupt") {
						t.Errorf("the second run still talks of a corrupt journal:\n%s", r.Stderr)
					}
					break
				}
				if !strings.Contains(r.Stderr, "corrupt") {
					t.Errorf("the rerun does not say the journal was corrupt:\n%s", r.Stderr)
				}
				if got, _ := objectSHA256(t, key); got != sum {
					t.Fatal("stored object differs from the source")
				}
				left := uploadsFor(t, key)
				switch {
				case tt.aborted && (len(left) != 0 || !strings.Contains(r.Stderr, old+", which was aborted")):
					t.Errorf("the upload %s the journal named is not aborted (left %v):\n%s", old, left, r.Stderr)
				case !tt.aborted && (len(left) != 1 || left[0] != old):
					t.Errorf("uploads left %v, want exactly the unnamed %s (never abort what the journal does not name)", left, old)
				case !tt.aborted && !strings.Contains(r.Stderr, "uploader uploads abort "+target(key)+" --upload-id "+old):
					t.Errorf("the rerun does not give the abort command for %s:\n%s", old, r.Stderr)
				}
			}
			abortUploadsOf(t, key)
		})
	}
}
