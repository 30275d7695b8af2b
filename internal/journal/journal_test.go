package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		begin []Part // parts passed to Begin
		add   []Part // then AddPart, in order
		want  []Part
	}{
		{name: "header only"},
		{name: "appended parts", add: []Part{testPart(1), testPart(2), testPart(3)}, want: []Part{testPart(1), testPart(2), testPart(3)}},
		{name: "out of order", add: []Part{testPart(3), testPart(1)}, want: []Part{testPart(1), testPart(3)}},
		{name: "parts given to Begin", begin: []Part{testPart(2), testPart(5)}, add: []Part{testPart(1)}, want: []Part{testPart(1), testPart(2), testPart(5)}},
		{name: "no checksum, odd strings", add: []Part{{Number: 10000, Size: 0, ETag: "\"\n\t\\\u00e9\u2028<&>\""}}, want: []Part{{Number: 10000, Size: 0, ETag: "\"\n\t\\\u00e9\u2028<&>\""}}},
		{name: "last wins", add: []Part{testPart(1), {Number: 1, Size: 7, ETag: `"second"`}}, want: []Part{{Number: 1, Size: 7, ETag: `"second"`}}},
		{name: "AddPart overrides Begin", begin: []Part{testPart(1)}, add: []Part{{Number: 1, Size: 9, ETag: `"new"`, Checksum: "x"}}, want: []Part{{Number: 1, Size: 9, ETag: `"new"`, Checksum: "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			j := lock(t, s, testID)
			r := testRecord()
			r.Parts = map[int32]Part{}
			for _, p := range tt.begin {
				r.Parts[p.Number] = p
			}
			if err := j.Begin(r); err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.add {
				if err := j.AddPart(p); err != nil {
					t.Fatal(err)
				}
			}
			got, err := j.Load()
			if err != nil {
				t.Fatal(err)
			}
			want := testRecord()
			want.Version = FormatVersion
			want.Path = j.Path()
			want.Parts = map[int32]Part{}
			for _, p := range tt.want {
				want.Parts[p.Number] = p
			}
			if !reflect.DeepEqual(got, &want) {
				t.Fatalf("Load:\n got %+v\nwant %+v", got, &want)
			}
			if ps := got.SortedParts(); len(ps) != len(tt.want) || (len(ps) > 0 && !reflect.DeepEqual(ps, tt.want)) {
				t.Fatalf("SortedParts = %v, want %v", ps, tt.want)
			}
			// Exact round trip: re-encoding what was loaded gives bytes that
			// decode to the same record, and encoding is a fixed point.
			enc, err := encode(got)
			if err != nil {
				t.Fatal(err)
			}
			again, _, err := decode(enc)
			if err != nil {
				t.Fatal(err)
			}
			again.Path = got.Path
			if !reflect.DeepEqual(again, got) {
				t.Fatalf("re-encoded record differs:\n got %+v\nwant %+v", again, got)
			}
			if enc2, _ := encode(again); !bytes.Equal(enc, enc2) {
				t.Fatalf("encoding is not stable:\n%s\n%s", enc, enc2)
			}
		})
	}
}

func TestTimesKeepNanosecondsAndUTC(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	r := testRecord()
	zone := time.FixedZone("X", 5*3600+1800)
	r.Settings.ModTime = time.Date(2024, 1, 2, 3, 4, 5, 999999999, zone)
	r.Created = time.Now() // with a monotonic reading
	if err := j.Begin(r); err != nil {
		t.Fatal(err)
	}
	got, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Settings.ModTime.Equal(r.Settings.ModTime) || got.Settings.ModTime.Location() != time.UTC {
		t.Fatalf("mtime %v, want %v in UTC", got.Settings.ModTime, r.Settings.ModTime)
	}
	if !got.Created.Equal(r.Created) {
		t.Fatalf("created %v, want %v", got.Created, r.Created)
	}
	if ok, why := got.Matches(Settings{Size: r.Settings.Size, ModTime: r.Settings.ModTime.UTC(), PartSize: r.Settings.PartSize, SSE: r.Settings.SSE, Checksum: r.Settings.Checksum}); !ok {
		t.Fatal(why)
	}
}

func TestConcurrentAddPart(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	if err := j.Begin(testRecord()); err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 16
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				errs <- j.AddPart(testPart(int32(w*each + i + 1)))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Parts) != workers*each {
		t.Fatalf("%d parts, want %d", len(r.Parts), workers*each)
	}
	for n := int32(1); n <= workers*each; n++ {
		if r.Parts[n] != testPart(n) {
			t.Fatalf("part %d = %+v", n, r.Parts[n])
		}
	}
}

func TestLoadNone(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	r, err := j.Load()
	if r != nil || err != nil {
		t.Fatalf("Load = %v, %v; want nil, nil", r, err)
	}
	if err := j.AddPart(testPart(1)); !errors.Is(err, ErrNoJournal) {
		t.Fatalf("AddPart without Begin: %v", err)
	}
}

// Every prefix of a journal is what a crash could leave (appends are
// fsynced one by one, Begin is atomic): Load must accept all of them but a
// torn header, return exactly the whole part lines, and leave the file ready
// for further appends.
func TestTruncatedAtEveryOffset(t *testing.T) {
	src := openStore(t)
	full := writeJournal(t, src, 5)
	headerLen := bytes.IndexByte(full, '\n') + 1
	for off := 0; off <= len(full); off++ {
		s := openStore(t)
		j := lock(t, s, testID)
		if err := os.WriteFile(j.Path(), full[:off], 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := j.Load()
		if off < headerLen {
			ce := mustCorrupt(t, err)
			if exists(j.Path()) || ce.MovedTo == "" {
				t.Fatalf("offset %d: torn header not moved aside: %+v", off, ce)
			}
			if kept, _ := os.ReadFile(ce.MovedTo); !bytes.Equal(kept, full[:off]) {
				t.Fatalf("offset %d: moved-aside file differs", off)
			}
			if r, err := j.Load(); r != nil || err != nil {
				t.Fatalf("offset %d: after setting aside, Load = %v, %v", off, r, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("offset %d: %v", off, err)
		}
		whole := bytes.Count(full[headerLen:off], []byte("\n"))
		if len(r.Parts) != whole {
			t.Fatalf("offset %d: %d parts, want %d", off, len(r.Parts), whole)
		}
		for n := int32(1); n <= int32(whole); n++ {
			if r.Parts[n] != testPart(n) {
				t.Fatalf("offset %d: part %d = %+v", off, n, r.Parts[n])
			}
		}
		// The torn tail is cut, so the next append is its own line.
		if err := j.AddPart(testPart(9)); err != nil {
			t.Fatal(err)
		}
		r, err = j.Load()
		if err != nil || len(r.Parts) != whole+1 || r.Parts[9] != testPart(9) {
			t.Fatalf("offset %d: append after torn tail: %v, %v", off, r, err)
		}
	}
}

func TestCorruption(t *testing.T) {
	src := openStore(t)
	full := writeJournal(t, src, 5)
	lines := bytes.SplitAfter(full, []byte("\n"))[:6] // header + 5 parts
	start := func(i int) int { return len(bytes.Join(lines[:i], nil)) }

	type tc struct {
		name string
		data []byte
	}
	var tests []tc
	flip := func(name string, at int) {
		d := bytes.Clone(full)
		d[at] ^= 0x01
		tests = append(tests, tc{name, d})
	}
	// Every byte of a middle line (line 3), its newline included, and of the header.
	for i := start(2); i < start(3); i++ {
		flip(fmt.Sprintf("middle line byte %d", i-start(2)), i)
	}
	for i := 0; i < start(1); i++ {
		flip(fmt.Sprintf("header byte %d", i), i)
	}
	other := testRecord()
	other.Identity.Key = "another/key"
	otherData, err := encode(&Record{Version: 1, Identity: other.Identity, Settings: other.Settings, UploadID: "u", Created: other.Created})
	if err != nil {
		t.Fatal(err)
	}
	v2 := envelope(headerField, []byte(`{"version":2,"source":"/x","future":true}`))
	unknown := envelope(headerField, append(bytes.TrimSuffix(payloadOf(t, lines[0], headerField), []byte("}")), []byte(`,"secret":"x"}`)...))
	badPart := envelope(partField, []byte(`{"number":0,"size":1,"etag":"e","checksum":""}`))
	tests = append(tests,
		tc{"empty file", nil},
		tc{"another upload's journal", otherData},
		tc{"newer format version", append(v2, lines[1]...)},
		tc{"unknown header field", unknown},
		tc{"invalid part in the middle", bytes.Join([][]byte{lines[0], badPart, lines[1]}, nil)},
		tc{"garbage line in the middle", bytes.Join([][]byte{lines[0], []byte("{}\n"), lines[1]}, nil)},
		tc{"uppercase crc", bytes.Join([][]byte{lines[0], bytes.ToUpper(lines[1]), lines[2]}, nil)},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			j := lock(t, s, testID)
			if err := os.WriteFile(j.Path(), tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := j.Load()
			ce := mustCorrupt(t, err)
			if r != nil {
				t.Fatal("record returned with a corrupt journal")
			}
			if exists(j.Path()) || !strings.HasPrefix(ce.MovedTo, j.Path()+".corrupt-") {
				t.Fatalf("not moved aside: %+v", ce)
			}
			if kept, _ := os.ReadFile(ce.MovedTo); !bytes.Equal(kept, tt.data) {
				t.Fatal("moved-aside file differs from the original")
			}
			if !strings.Contains(err.Error(), j.Path()) || !strings.Contains(err.Error(), ce.MovedTo) {
				t.Fatalf("message lacks the paths: %v", err)
			}
			if err := j.AddPart(testPart(1)); !errors.Is(err, ErrNoJournal) {
				t.Fatalf("AddPart after corruption: %v", err)
			}
			if r, err := j.Load(); r != nil || err != nil {
				t.Fatalf("next Load = %v, %v; want a clean start", r, err)
			}
		})
	}
}

func payloadOf(t testing.TB, line []byte, field string) []byte {
	t.Helper()
	p, err := payload(bytes.TrimSuffix(line, []byte("\n")), field)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A damaged last line is what a crash on a filesystem without data ordering
// may leave: ignored, not corruption.
func TestBadLastLineIgnored(t *testing.T) {
	src := openStore(t)
	full := writeJournal(t, src, 3)
	lastStart := bytes.LastIndexByte(full[:len(full)-1], '\n') + 1
	for i := lastStart; i < len(full)-1; i++ {
		s := openStore(t)
		j := lock(t, s, testID)
		d := bytes.Clone(full)
		d[i] = 0
		os.WriteFile(j.Path(), d, 0o600)
		r, err := j.Load()
		if err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		if len(r.Parts) != 2 {
			t.Fatalf("byte %d: %d parts, want 2", i, len(r.Parts))
		}
		if got, _ := os.ReadFile(j.Path()); !bytes.Equal(got, full[:lastStart]) {
			t.Fatalf("byte %d: bad last line not cut", i)
		}
	}
}

func TestBeginReplaces(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	r := testRecord()
	if err := j.Begin(r); err != nil {
		t.Fatal(err)
	}
	j.AddPart(testPart(1))
	stale := j.Path() + ".tmp-123"
	os.WriteFile(stale, []byte("half a begin"), 0o600)
	r.UploadID = "second"
	r.Identity = Identity{} // defaults to the journal's
	if err := j.Begin(r); err != nil {
		t.Fatal(err)
	}
	got, err := j.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.UploadID != "second" || len(got.Parts) != 0 {
		t.Fatalf("after second Begin: %+v", got)
	}
	if exists(stale) {
		t.Fatal("stale temporary file left")
	}
	if m, _ := filepath.Glob(j.Path() + ".tmp-*"); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}

func TestBeginRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Record)
	}{
		{"other identity", func(r *Record) { r.Identity.Bucket = "other" }},
		{"no upload id", func(r *Record) { r.UploadID = "" }},
		{"future version", func(r *Record) { r.Version = 2 }},
		{"zero part size", func(r *Record) { r.Settings.PartSize = 0 }},
		{"negative size", func(r *Record) { r.Settings.Size = -1 }},
		{"bad part", func(r *Record) { r.Parts = map[int32]Part{1: {Number: 1}} }},
		{"mtime out of range", func(r *Record) { r.Settings.ModTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			j := lock(t, s, testID)
			r := testRecord()
			tt.edit(&r)
			if err := j.Begin(r); err == nil {
				t.Fatal("Begin accepted it")
			}
			if exists(j.Path()) {
				t.Fatal("a journal was written")
			}
		})
	}
}

func TestAddPartRejects(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	j.Begin(testRecord())
	for _, p := range []Part{{Number: 0, ETag: "e"}, {Number: 10001, ETag: "e"}, {Number: 1, Size: -1, ETag: "e"}, {Number: 1}} {
		if err := j.AddPart(p); err == nil {
			t.Errorf("AddPart(%+v) accepted", p)
		}
	}
}

func TestRemoveAndClose(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	j.Begin(testRecord())
	j.AddPart(testPart(1))
	lockPath := s.lockPath(testID)
	if err := j.Remove(); err != nil {
		t.Fatal(err)
	}
	if exists(j.Path()) || exists(lockPath) {
		t.Fatal("journal or lock file left after Remove")
	}
	if err := j.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if err := j.AddPart(testPart(2)); !errors.Is(err, ErrNoJournal) {
		t.Fatalf("AddPart after Remove: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Load":    func() error { _, err := j.Load(); return err }(),
		"Begin":   j.Begin(testRecord()),
		"AddPart": j.AddPart(testPart(1)),
		"Remove":  j.Remove(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	// Close keeps the journal.
	j2 := lock(t, s, testID)
	j2.Begin(testRecord())
	j2.Close()
	j3 := lock(t, s, testID)
	if r, err := j3.Load(); err != nil || r == nil {
		t.Fatalf("journal not kept by Close: %v, %v", r, err)
	}
}

func TestModes(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	j.Begin(testRecord())
	j.AddPart(testPart(1))
	check := func(path string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	check(s.Dir(), 0o700)
	check(filepath.Dir(s.Dir()), 0o700) // missing parents too
	check(j.Path(), 0o600)
	check(s.lockPath(testID), 0o600)
	// A corrupt journal set aside keeps its mode.
	os.WriteFile(j.Path()+".x", []byte("junk\n"), 0o600)
	os.Rename(j.Path()+".x", j.Path())
	_, err := j.Load()
	check(mustCorrupt(t, err).MovedTo, 0o600)
}

// No field of anything written to disk may be named like a secret.
func TestNoSecretFields(t *testing.T) {
	bad := []string{"secret", "password", "passwd", "token", "credential", "accesskey", "access_key", "private", "customerkey", "customer_key", "sse_c_key"}
	for _, v := range []any{Record{}, Identity{}, Settings{}, Part{}, wireHeader{}, wirePart{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			for _, name := range []string{f.Name, f.Tag.Get("json")} {
				for _, b := range bad {
					if strings.Contains(strings.ToLower(name), b) {
						t.Errorf("%s.%s (%q) looks like a secret", typ.Name(), f.Name, name)
					}
				}
			}
		}
	}
}

func TestList(t *testing.T) {
	s := openStore(t)
	ids := []Identity{testID, {Source: "/data/b", Bucket: "bucket", Key: "b"}}
	for i, id := range ids {
		j := lock(t, s, id)
		r := testRecord()
		r.Identity = id
		r.Created = r.Created.Add(time.Duration(len(ids)-i) * time.Hour) // list sorts by Created
		if err := j.Begin(r); err != nil {
			t.Fatal(err)
		}
		j.AddPart(testPart(1))
		if i == 0 {
			j.Close() // one unlocked, one still locked: List needs no lock
		}
	}
	// A torn last line (an append in progress) does not hide a journal.
	f, _ := os.OpenFile(s.journalPath(ids[1]), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"crc32c":"0000`)
	f.Close()
	corrupt := filepath.Join(s.Dir(), "0123456789abcdef0123456789abcdef.journal")
	os.WriteFile(corrupt, []byte("not a journal\n"), 0o600)
	os.WriteFile(filepath.Join(s.Dir(), "x.journal.corrupt-1"), []byte("old"), 0o600)
	os.WriteFile(filepath.Join(s.Dir(), "x.journal.tmp-1"), []byte("half"), 0o600)

	recs, errs := s.List()
	if len(recs) != 2 || recs[0].Identity != ids[1] || recs[1].Identity != ids[0] {
		t.Fatalf("List records = %+v", recs)
	}
	for _, r := range recs {
		if len(r.Parts) != 1 || r.Path != s.journalPath(r.Identity) {
			t.Fatalf("record %+v", r)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("List errors = %v", errs)
	}
	if ce := mustCorrupt(t, errs[0]); ce.Path != corrupt || ce.MovedTo != "" || !exists(corrupt) {
		t.Fatalf("List must report, not move: %+v", ce)
	}
}

func TestDelete(t *testing.T) {
	s := openStore(t)
	j := lock(t, s, testID)
	j.Begin(testRecord())
	var le *LockedError
	if err := s.Delete(testID); !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("Delete while locked: %v", err)
	}
	if !exists(j.Path()) {
		t.Fatal("Delete removed a locked journal")
	}
	j.Close()
	if err := s.Delete(testID); err != nil {
		t.Fatal(err)
	}
	if exists(j.Path()) || exists(s.lockPath(testID)) {
		t.Fatal("Delete left files")
	}
	if err := s.Delete(testID); err != nil {
		t.Fatalf("Delete of nothing: %v", err)
	}
}
