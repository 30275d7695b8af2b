package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load as the journal file. Load must not
// panic; it either returns a record whose re-encoding loads identically, or
// a *CorruptError after setting the file aside. Each input is checked on the
// decoder alone and then through the file, in one folder per worker: a new
// folder and fsyncs per input would make fuzzing crawl.
func FuzzLoad(f *testing.F) {
	// testdata/fuzz/FuzzLoad holds more seeds (see TestWriteFuzzSeeds).
	f.Add([]byte{})
	f.Add([]byte("{}\n"))
	s, err := Open(fastDir(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec, good, decErr := decode(data)
		if decErr == nil {
			if good < 0 || good > len(data) || dec.Parts == nil {
				t.Fatalf("decode: good %d of %d, %+v", good, len(data), dec)
			}
			enc, err := encode(dec)
			if err != nil {
				t.Fatalf("re-encoding a decoded record: %v", err)
			}
			re, n, err := decode(enc)
			if err != nil || n != len(enc) || !reflect.DeepEqual(re, dec) {
				t.Fatalf("re-encoded record decodes as %+v (%d of %d), %v; want %+v", re, n, len(enc), err, dec)
			}
			if again, n, err := decode(data[:good]); err != nil || n != good || !reflect.DeepEqual(again, dec) {
				t.Fatalf("the good prefix decodes differently: %+v, %v", again, err)
			}
		}

		j, err := s.Lock(testID)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		defer func() {
			aside, _ := filepath.Glob(j.Path() + "*")
			for _, p := range aside {
				os.Remove(p)
			}
		}()
		if err := os.WriteFile(j.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := j.Load()
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load error is not a CorruptError: %v", err)
			}
			if r != nil || exists(j.Path()) || !exists(ce.MovedTo) {
				t.Fatal("corrupt journal returned or left in place")
			}
			if decErr == nil && dec.Identity == testID {
				t.Fatalf("Load rejected what decode accepts: %v", err)
			}
			return
		}
		if decErr != nil || r.Identity != testID {
			t.Fatalf("Load accepted %+v; decode said %v", r, decErr)
		}
		dec.Path = j.Path()
		if !reflect.DeepEqual(r, dec) {
			t.Fatalf("Load = %+v, decode = %+v", r, dec)
		}
		// Load cut any torn tail: the file is exactly the good prefix.
		if on, _ := os.ReadFile(j.Path()); !bytes.Equal(on, data[:good]) {
			t.Fatal("torn tail not cut")
		}
		// Re-encoding what was loaded loads identically.
		enc, _ := encode(r)
		if err := os.WriteFile(j.Path(), enc, 0o600); err != nil {
			t.Fatal(err)
		}
		if re, err := j.Load(); err != nil || !reflect.DeepEqual(re, r) {
			t.Fatalf("re-encoded record loads as %+v, %v; want %+v", re, err, r)
		}
	})
}

// FuzzPayloads reaches what FuzzLoad's random bytes rarely do, past the
// CRCs: arbitrary header and part payloads in valid envelopes. Whatever
// decodes must re-encode to bytes that decode identically.
func FuzzPayloads(f *testing.F) {
	h, _ := encodeHeader(&Record{Version: 1, Identity: testID, Settings: testSettings, UploadID: "u"})
	p, _ := encodePart(testPart(1))
	f.Add(payloadOf(f, h, headerField), payloadOf(f, p, partField))
	f.Add([]byte(`{"version":1,"source":"/a","bucket":"b","key":"k","size":0,"mtime":"0000-01-01T00:00:00+01:00","part_size":1,"sse":"\ud800","checksum":"","upload_id":"u","created":"2025-01-01T00:00:00.5-00:30"}`),
		[]byte(`{"number":10000,"size":0,"etag":"\u00e9","checksum":"","NUMBER":3}`))
	f.Fuzz(func(t *testing.T, header, part []byte) {
		data := append(envelope(headerField, header), envelope(partField, part)...)
		r, good, err := decode(data)
		if err != nil {
			return
		}
		enc, err := encode(r)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", r, err)
		}
		re, n, err := decode(enc)
		if err != nil || n != len(enc) || !reflect.DeepEqual(re, r) {
			t.Fatalf("re-encoded record decodes as %+v (%d of %d), %v; want %+v", re, n, len(enc), err, r)
		}
		if enc2, _ := encode(re); !bytes.Equal(enc2, enc) {
			t.Fatalf("encoding not stable:\n%s\n%s", enc, enc2)
		}
		if good != len(data) && len(r.Parts) != 0 {
			t.Fatalf("part kept from a line that was cut")
		}
	})
}

// fastDir is a folder on tmpfs when there is one: Load fsyncs when it sets
// a file aside, and at disk speed the fuzzer's input minimization (tens of
// thousands of runs) takes its whole time limit per input.
func fastDir(f *testing.F) string {
	if dir, err := os.MkdirTemp("/dev/shm", "journal-fuzz-"); err == nil {
		f.Cleanup(func() { os.RemoveAll(dir) })
		return dir
	}
	return f.TempDir()
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzLoad from the current
// encoder: JOURNAL_WRITE_SEEDS=1 go test -run TestWriteFuzzSeeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("JOURNAL_WRITE_SEEDS") == "" {
		t.Skip("set JOURNAL_WRITE_SEEDS=1 to rewrite the seed corpus")
	}
	s := openStore(t)
	full := writeJournal(t, s, 3)
	header := full[:bytes.IndexByte(full, '\n')+1]
	dup, _ := encodePart(Part{Number: 2, Size: 1, ETag: `"dup"`})
	seeds := map[string][]byte{
		"valid-header-only":  header,
		"valid-three-parts":  full,
		"valid-last-wins":    append(bytes.Clone(full), dup...),
		"torn-last-line":     full[:len(full)-10],
		"torn-header":        full[:len(header)/2],
		"bad-middle-line":    bytes.Replace(full, []byte(`"etag-2`), []byte(`"etag-X`), 1),
		"version-2":          append(envelope(headerField, []byte(`{"version":2}`)), full[len(header):]...),
		"valid-empty-fields": mustEncode(t, Record{Version: 1, Identity: testID, Settings: Settings{PartSize: 1}, UploadID: "u", Parts: map[int32]Part{10000: {Number: 10000, ETag: "e"}}}),
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	os.MkdirAll(dir, 0o755)
	for name, data := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustEncode(t *testing.T, r Record) []byte {
	t.Helper()
	b, err := encode(&r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
