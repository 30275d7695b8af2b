package upload

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/uploader-dev/uploader/internal/journal"
)

// fakeUploads is an UploadsClient over a fixed set of unfinished uploads.
// It pages the listing pageSize at a time, and answers aborts from
// abortErr (by upload id; nil aborts).
type fakeUploads struct {
	mu       sync.Mutex
	bucket   string
	uploads  []types.MultipartUpload
	pageSize int
	listErr  error
	abortErr map[string]error
	calls    []string // "List <key-marker>", "Abort <id>"
}

func (f *fakeUploads) ListMultipartUploads(_ context.Context, in *s3.ListMultipartUploadsInput, _ ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "List "+aws.ToString(in.KeyMarker))
	if f.listErr != nil {
		return nil, f.listErr
	}
	var match []types.MultipartUpload
	for _, u := range f.uploads {
		if aws.ToString(in.Bucket) == f.bucket && strings.HasPrefix(aws.ToString(u.Key), aws.ToString(in.Prefix)) {
			match = append(match, u)
		}
	}
	start := 0
	if in.KeyMarker != nil { // markers are key/id pairs: resume after that one
		for i, u := range match {
			if aws.ToString(u.Key) == aws.ToString(in.KeyMarker) && aws.ToString(u.UploadId) == aws.ToString(in.UploadIdMarker) {
				start = i + 1
			}
		}
	}
	n := f.pageSize
	if n == 0 {
		n = 1000
	}
	page := match[start:min(start+n, len(match))]
	out := &s3.ListMultipartUploadsOutput{Uploads: page, IsTruncated: aws.Bool(start+n < len(match))}
	if aws.ToBool(out.IsTruncated) {
		last := page[len(page)-1]
		out.NextKeyMarker, out.NextUploadIdMarker = last.Key, last.UploadId
	}
	return out, nil
}

func (f *fakeUploads) AbortMultipartUpload(_ context.Context, in *s3.AbortMultipartUploadInput, _ ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := aws.ToString(in.UploadId)
	f.calls = append(f.calls, "Abort "+id)
	if err := f.abortErr[id]; err != nil {
		return nil, err
	}
	return &s3.AbortMultipartUploadOutput{}, nil
}

func (f *fakeUploads) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func mpu(key, id string, initiated time.Time) types.MultipartUpload {
	return types.MultipartUpload{Key: aws.String(key), UploadId: aws.String(id), Initiated: aws.Time(initiated)}
}

var errNoSuchUpload = &smithy.GenericAPIError{Code: "NoSuchUpload", Message: "The specified upload does not exist."}

// journalsWith writes a journal with parts of 5 MiB for each upload id,
// source /src/<key>.
func journalsWith(t *testing.T, bucket string, recs map[string]string, parts int) *Journals {
	t.Helper()
	js, err := OpenJournals(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for id, key := range recs {
		writeJournal(t, js, journal.Identity{Source: "/src/" + key, Bucket: bucket, Key: key}, id, parts)
	}
	return js
}

func writeJournal(t *testing.T, js *Journals, id journal.Identity, uploadID string, parts int) {
	t.Helper()
	j, err := js.s.Lock(id)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Begin(journal.Record{UploadID: uploadID, Settings: journal.Settings{Size: 100 << 20, PartSize: 5 << 20}}); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= parts; n++ {
		if err := j.AddPart(journal.Part{Number: int32(n), Size: 5 << 20, ETag: `"e"`}); err != nil {
			t.Fatal(err)
		}
	}
}

// journalIDs are the upload ids of the journals left in js.
func journalIDs(t *testing.T, js *Journals) []string {
	t.Helper()
	recs, errs := js.s.List()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.UploadID)
	}
	slices.Sort(ids)
	return ids
}

func TestListUploads(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &fakeUploads{bucket: "b", pageSize: 2, uploads: []types.MultipartUpload{
		mpu("p/a", "U1", t0), mpu("p/b", "U2", t0), mpu("p/c", "U3", t0), mpu("q/d", "U4", t0),
	}}
	js := journalsWith(t, "b", map[string]string{
		"U1":   "p/a",   // matches
		"U2":   "p/x",   // the id of a live upload, another key: not matched, kept
		"GONE": "p/old", // its upload is gone: cleaned
		"OUT":  "q/old", // gone, but outside the prefix: kept
	}, 3)
	// Another bucket's journal of a gone upload is not this listing's.
	writeJournal(t, js, journal.Identity{Source: "/src/other", Bucket: "other", Key: "p/o"}, "OTHER", 1)
	// A running upload holds the journal of a gone upload: kept.
	busy := journal.Identity{Source: "/src/busy", Bucket: "b", Key: "p/busy"}
	writeJournal(t, js, busy, "BUSY", 1)
	held, err := js.s.Lock(busy)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	got, err := ListUploads(context.Background(), f, ListUploadsOptions{Bucket: "b", Prefix: "p/", Journals: js})
	if err != nil {
		t.Fatal(err)
	}
	want := []PendingUpload{
		{Bucket: "b", Key: "p/a", UploadID: "U1", Initiated: t0, Source: "/src/p/a", JournaledParts: 3, JournaledBytes: 15 << 20},
		{Bucket: "b", Key: "p/b", UploadID: "U2", Initiated: t0},
		{Bucket: "b", Key: "p/c", UploadID: "U3", Initiated: t0},
	}
	if !slices.Equal(got.Uploads, want) {
		t.Errorf("uploads:\n got %+v\nwant %+v", got.Uploads, want)
	}
	if calls := f.callList(); !slices.Equal(calls, []string{"List ", "List p/b"}) {
		t.Errorf("calls %v, want two pages", calls)
	}
	var cleaned []string
	for _, c := range got.Cleaned {
		cleaned = append(cleaned, c.UploadID)
	}
	slices.Sort(cleaned)
	if !slices.Equal(cleaned, []string{"GONE"}) {
		t.Errorf("cleaned %v, want GONE", got.Cleaned)
	}
	if ids := journalIDs(t, js); !slices.Equal(ids, []string{"BUSY", "OTHER", "OUT", "U1", "U2"}) {
		t.Errorf("journals left %v", ids)
	}
	for _, c := range got.Cleaned {
		if c.UploadID == "GONE" && c.String() != "/src/p/old -> s3://b/p/old" {
			t.Errorf("cleaned journal named %q", c)
		}
	}
}

func TestListUploadsWithoutJournals(t *testing.T) {
	f := &fakeUploads{bucket: "b", uploads: []types.MultipartUpload{{Key: aws.String("k"), UploadId: aws.String("U")}}}
	got, err := ListUploads(context.Background(), f, ListUploadsOptions{Bucket: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []PendingUpload{{Bucket: "b", Key: "k", UploadID: "U"}}; !slices.Equal(got.Uploads, want) || got.Cleaned != nil {
		t.Errorf("got %+v, want %+v and nothing cleaned", got, want)
	}
}

// endlessPages says every page is truncated, with no marker.
type endlessPages struct{ fakeUploads }

func (e *endlessPages) ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	return &s3.ListMultipartUploadsOutput{IsTruncated: aws.Bool(true)}, nil
}

func TestListUploadsErrors(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}
	tests := []struct {
		name   string
		client UploadsClient
		opts   ListUploadsOptions
		check  func(error) bool
	}{
		{"denied is diagnosed", &fakeUploads{bucket: "b", listErr: denied}, ListUploadsOptions{Bucket: "b"}, func(err error) bool {
			var d *Diagnosis
			return errors.As(err, &d) && d.Code == S3AccessDenied
		}},
		{"other errors as they are", &fakeUploads{bucket: "b", listErr: errors.New("boom")}, ListUploadsOptions{Bucket: "b"}, func(err error) bool {
			return err != nil && err.Error() == "boom"
		}},
		{"truncated without a marker", &endlessPages{}, ListUploadsOptions{Bucket: "b"}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "no marker")
		}},
		{"no bucket", &fakeUploads{}, ListUploadsOptions{}, func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "no bucket")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ListUploads(context.Background(), tt.client, tt.opts)
			if !tt.check(err) {
				t.Errorf("error %v (%T)", err, err)
			}
		})
	}
}

// A journal replaced by a new upload of the same file between the listing
// and its cleanup stays: it is the new upload's.
func TestRemoveJournalOfUploadChecksTheID(t *testing.T) {
	js, err := OpenJournals(filepath.Join(t.TempDir(), "j"))
	if err != nil {
		t.Fatal(err)
	}
	id := journal.Identity{Source: "/src/f", Bucket: "b", Key: "k"}
	writeJournal(t, js, id, "NEW", 1)
	if removeJournalOfUpload(js, id, "OLD") {
		t.Fatal("removed the journal of another upload")
	}
	if ids := journalIDs(t, js); !slices.Equal(ids, []string{"NEW"}) {
		t.Fatalf("journals %v, want NEW kept", ids)
	}
	if !removeJournalOfUpload(js, id, "NEW") || len(journalIDs(t, js)) != 0 {
		t.Fatal("the journal of the named upload was not removed")
	}
}
