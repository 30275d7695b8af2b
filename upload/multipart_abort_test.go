package upload

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/journal"
)

func TestAbortUpload(t *testing.T) {
	tests := []struct {
		name        string
		abortErr    error
		wantErr     func(error) bool
		wantCleaned bool
	}{
		{"aborted", nil, func(err error) bool { return err == nil }, true},
		{"no such upload: the stale journal goes", errNoSuchUpload, func(err error) bool {
			var gone *NoSuchUploadError
			return errors.As(err, &gone) && err.Error() == "no multipart upload U for s3://b/k: it was completed, aborted, or never existed (S3: NoSuchUpload)"
		}, true},
		{"failed: the journal stays", errors.New("500"), func(err error) bool { return err != nil && err.Error() == "500" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeUploads{bucket: "b", abortErr: map[string]error{"U": tt.abortErr}}
			js := journalsWith(t, "b", map[string]string{"U": "k", "V": "other"}, 1)
			rep, err := AbortUpload(context.Background(), f, AbortUploadOptions{Bucket: "b", Key: "k", UploadID: "U", Journals: js})
			if !tt.wantErr(err) {
				t.Fatalf("error %v (%T)", err, err)
			}
			if calls := f.callList(); !slices.Equal(calls, []string{"Abort U"}) {
				t.Errorf("calls %v, want one abort and no listing", calls)
			}
			if len(rep.Results) != 1 || rep.Results[0].Upload.Source != "/src/k" || rep.Results[0].Err != err {
				t.Errorf("results %+v", rep.Results)
			}
			left := journalIDs(t, js)
			if tt.wantCleaned != (len(rep.Cleaned) == 1) || tt.wantCleaned == slices.Contains(left, "U") || !slices.Contains(left, "V") {
				t.Errorf("cleaned %v, journals left %v", rep.Cleaned, left)
			}
		})
	}
}

func TestAbortUploadNeedsAll(t *testing.T) {
	f := &fakeUploads{}
	for _, o := range []AbortUploadOptions{{Key: "k", UploadID: "U"}, {Bucket: "b", UploadID: "U"}, {Bucket: "b", Key: "k"}} {
		if _, err := AbortUpload(context.Background(), f, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if calls := f.callList(); len(calls) != 0 {
		t.Errorf("calls %v for incomplete input", calls)
	}
}

func TestAbortUploadsOlderThan(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	uploads := []types.MultipartUpload{
		mpu("p/old", "OLD", now.Add(-48*time.Hour)),
		mpu("p/young", "YOUNG", now.Add(-time.Minute)),
		mpu("p/ahead", "AHEAD", now.Add(time.Minute)), // the server's clock is ahead
		mpu("p/busy", "BUSY", now.Add(-48*time.Hour)),
		mpu("p/raced", "RACED", now.Add(-48*time.Hour)),
		mpu("p/broken", "BROKEN", now.Add(-48*time.Hour)),
	}
	tests := []struct {
		name      string
		olderThan time.Duration
		want      map[string]string // upload id -> "aborted", "gone", "skipped", "failed"
	}{
		{"a day", 24 * time.Hour, map[string]string{"OLD": "aborted", "BUSY": "skipped", "RACED": "gone", "BROKEN": "failed"}},
		{"zero is all, whatever the clocks say", 0, map[string]string{"OLD": "aborted", "YOUNG": "aborted", "AHEAD": "aborted", "BUSY": "skipped", "RACED": "gone", "BROKEN": "failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeUploads{bucket: "b", uploads: uploads, abortErr: map[string]error{"RACED": errNoSuchUpload, "BROKEN": errors.New("500 InternalError")}}
			js := journalsWith(t, "b", map[string]string{"OLD": "p/old", "BUSY": "p/busy", "RACED": "p/raced", "BROKEN": "p/broken"}, 2)
			held, err := js.s.Lock(journal.Identity{Source: "/src/p/busy", Bucket: "b", Key: "p/busy"})
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()

			rep, err := AbortUploadsOlderThan(context.Background(), f, AbortOlderThanOptions{
				Bucket: "b", Prefix: "p/", OlderThan: tt.olderThan, Journals: js, Now: func() time.Time { return now }})
			var failed *AbortsFailedError
			if !errors.As(err, &failed) || failed.Failed != 1 || failed.Total != len(tt.want) {
				t.Fatalf("error %v, want 1 of %d aborts failed", err, len(tt.want))
			}
			got := map[string]string{}
			for _, r := range rep.Results {
				var gone *NoSuchUploadError
				var locked *LockedError
				switch {
				case r.Err == nil:
					got[r.Upload.UploadID] = "aborted"
				case errors.As(r.Err, &gone):
					got[r.Upload.UploadID] = "gone"
				case errors.As(r.Err, &locked):
					got[r.Upload.UploadID] = "skipped"
				default:
					got[r.Upload.UploadID] = "failed"
				}
				if r.Failed() != (got[r.Upload.UploadID] == "failed") {
					t.Errorf("%s: Failed() = %v", r.Upload.UploadID, r.Failed())
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("results %v, want %v", got, tt.want)
			}
			for id, w := range tt.want {
				if got[id] != w {
					t.Errorf("%s: %q, want %q", id, got[id], w)
				}
			}
			if slices.Contains(f.callList(), "Abort BUSY") {
				t.Error("aborted the upload a running cp holds")
			}
			// Aborted and gone: their journals go. Busy and failed: kept.
			if left := journalIDs(t, js); !slices.Equal(left, []string{"BROKEN", "BUSY"}) {
				t.Errorf("journals left %v, want BROKEN and BUSY", left)
			}
		})
	}
}

func TestAbortUploadsOlderThanNothingToDo(t *testing.T) {
	f := &fakeUploads{bucket: "b", uploads: []types.MultipartUpload{mpu("k", "U", time.Now())}}
	rep, err := AbortUploadsOlderThan(context.Background(), f, AbortOlderThanOptions{Bucket: "b", OlderThan: time.Hour})
	if err != nil || len(rep.Results) != 0 {
		t.Fatalf("got %+v, %v; want nothing done", rep, err)
	}
	if _, err := AbortUploadsOlderThan(context.Background(), f, AbortOlderThanOptions{Bucket: "b", OlderThan: -time.Hour}); err == nil {
		t.Error("a negative age accepted")
	}
}

// cancelOnAbort cancels the context as the first abort is answered.
type cancelOnAbort struct {
	*fakeUploads
	cancel context.CancelCauseFunc
}

func (c cancelOnAbort) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	out, err := c.fakeUploads.AbortMultipartUpload(ctx, in, opts...)
	c.cancel(errors.New("interrupted"))
	return out, err
}

// A cancelled context stops the aborts between uploads: the report has
// what was done, the error the cause.
func TestAbortUploadsOlderThanStopsOnCancel(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	f := &fakeUploads{bucket: "b", uploads: []types.MultipartUpload{mpu("a", "A", old), mpu("b", "B", old)}}
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	rep, err := AbortUploadsOlderThan(ctx, cancelOnAbort{f, cancel}, AbortOlderThanOptions{Bucket: "b", OlderThan: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %v, want the cause", err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Upload.UploadID != "A" || rep.Results[0].Err != nil {
		t.Errorf("results %+v, want A aborted", rep.Results)
	}
	if calls := f.callList(); slices.Contains(calls, "Abort B") {
		t.Errorf("calls %v: B aborted after the cancel", calls)
	}
}
