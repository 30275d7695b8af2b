package journal

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// A corrupt journal still names its upload when its header can be read
// and is this journal's; never when it is unreadable or someone else's.
func TestCorruptJournalSalvagesUploadID(t *testing.T) {
	other := testID
	other.Key = "someone/else"
	otherJournal := func(t *testing.T) []byte {
		s := openStore(t)
		j := lock(t, s, other)
		r := testRecord()
		r.Identity = other
		if err := j.Begin(r); err != nil {
			t.Fatal(err)
		}
		j.Close()
		data, _ := os.ReadFile(j.Path())
		return data
	}
	tests := []struct {
		name    string
		corrupt func(t *testing.T, good []byte) []byte
		want    string
	}{
		{"a flipped byte in a part line", func(t *testing.T, good []byte) []byte {
			lines := bytes.SplitAfter(good, []byte("\n"))
			lines[1] = bytes.Replace(lines[1], []byte("etag-1"), []byte("etag-X"), 1)
			return append(bytes.Join(lines[:2], nil), bytes.Join(lines[2:], nil)...)
		}, "upload-Ab.c_d-1"},
		{"a header whose checksum is wrong", func(t *testing.T, good []byte) []byte {
			return bytes.Replace(good, []byte(`"part_size":8388608`), []byte(`"part_size":8388609`), 1)
		}, "upload-Ab.c_d-1"},
		{"random bytes", func(t *testing.T, good []byte) []byte {
			return bytes.Repeat([]byte{0x8f, 'x', 0}, 200)
		}, ""},
		{"another upload's journal", func(t *testing.T, good []byte) []byte {
			return otherJournal(t)
		}, ""},
		{"a truncated header", func(t *testing.T, good []byte) []byte {
			return good[:strings.Index(string(good), "upload_id")]
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			good := writeJournal(t, s, 3)
			j := lock(t, s, testID)
			if err := os.WriteFile(j.Path(), tt.corrupt(t, good), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := j.Load()
			if ce := mustCorrupt(t, err); ce.UploadID != tt.want {
				t.Fatalf("salvaged %q, want %q (%v)", ce.UploadID, tt.want, ce)
			}
		})
	}
}
