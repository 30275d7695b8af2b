package upload

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/netpolicy"
	"github.com/uploader-dev/uploader/internal/size"
)

// fileInput writes data to a file and returns an Input reading it.
func fileInput(t *testing.T, data []byte) (Input, *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	in := kmsInput(data)
	in.Body, in.SourcePath = f, path
	return in, f
}

func journals(t *testing.T) *Journals {
	t.Helper()
	st, err := OpenJournals(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func countCalls(calls []string, prefix string) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// A failed upload is kept and journaled; the rerun sends only the missing
// parts, completes, and removes the journal.
func TestResumeSendsOnlyMissingParts(t *testing.T) {
	data := randomBytes(50 * size.MiB) // 7 parts of 8 MiB
	in, _ := fileInput(t, data)
	st := journals(t)
	f := newFake()
	f.failPart = func(n int32) error {
		if n == 4 {
			return errors.New("connection reset by peer")
		}
		return nil
	}
	_, err := New(f, Options{Concurrency: 1, Journals: st}).Upload(context.Background(), in)
	var ue *Error
	if !errors.As(err, &ue) || !ue.Kept || ue.Aborted {
		t.Fatalf("first run: %v, want a kept upload", err)
	}
	if recs, _ := st.s.List(); len(recs) != 1 || len(recs[0].Parts) != 3 {
		t.Fatalf("journal after the failure: %+v", recs)
	}

	f.failPart = nil
	f.calls = nil
	l := &countingListener{}
	res, err := New(f, Options{Concurrency: 1, Journals: st, Listener: l}).Upload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.callList()
	if countCalls(calls, "CreateMultipartUpload") != 0 || countCalls(calls, "UploadPart") != 4 || countCalls(calls, "ListParts") != 1 {
		t.Fatalf("rerun calls: %v (want ListParts, 4 UploadPart, Complete)", calls)
	}
	if !bytes.Equal(f.objects["obj"], data) {
		t.Fatal("resumed object differs from the source")
	}
	if res.Resumed != 3*8*size.MiB || l.bytes != int64(len(data))-res.Resumed || l.started[0].Resumed != res.Resumed {
		t.Fatalf("resumed %d, reported sent %d, start info %+v", res.Resumed, l.bytes, l.started)
	}
	if recs, _ := st.s.List(); len(recs) != 0 {
		t.Fatalf("journal left after completion: %+v", recs)
	}
}

// A source changed since the interrupted run: the old upload is aborted
// and a new one starts.
func TestResumeChangedSourceStartsOver(t *testing.T) {
	data := randomBytes(20 * size.MiB)
	in, _ := fileInput(t, data)
	st := journals(t)
	f := newFake()
	interruptAt(t, f, st, in, 2)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(in.SourcePath, later, later); err != nil {
		t.Fatal(err)
	}
	res, err := New(f, Options{Concurrency: 1, Journals: st}).Upload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.callList()
	if calls[0] != "AbortMultipartUpload" || countCalls(calls, "CreateMultipartUpload") != 1 || countCalls(calls, "UploadPart") != 3 {
		t.Fatalf("calls %v: want the old upload aborted and a fresh one", calls)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "no longer matches") {
		t.Fatalf("notes %q do not say why it started over", res.Notes)
	}
}

// Crash after Complete, before the journal was removed: the rerun finds
// the object, verifies its checksum and sends nothing.
func TestResumeAfterCompleteFindsObject(t *testing.T) {
	data := randomBytes(20 * size.MiB)
	in, _ := fileInput(t, data)
	st := journals(t)
	f := newFake()
	var saved []byte
	var path string
	f.beforeComplete = func() { // the journal as it was just before Complete
		path = journalFile(t, st)
		saved, _ = os.ReadFile(path)
	}
	if _, err := New(f, Options{Concurrency: 2, Journals: st}).Upload(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	f.calls = nil
	res, err := New(f, Options{Concurrency: 2, Journals: st}).Upload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if calls := f.callList(); countCalls(calls, "UploadPart") != 0 || countCalls(calls, "CreateMultipartUpload") != 0 {
		t.Fatalf("rerun sent data: %v", calls)
	}
	if !res.ChecksumVerified || res.Resumed != int64(len(data)) {
		t.Fatalf("result %+v: want verified, all resumed", res)
	}
	if recs, _ := st.s.List(); len(recs) != 0 {
		t.Fatal("journal not removed")
	}
}

func journalFile(t *testing.T, st *Journals) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(st.Dir(), "*.journal"))
	if len(m) == 1 {
		return m[0]
	}
	all, _ := filepath.Glob(filepath.Join(st.Dir(), "*"))
	t.Fatalf("journal files: %v", all)
	return ""
}

// A source appended to during the upload is never completed.
func TestSourceChangedDuringUpload(t *testing.T) {
	data := randomBytes(20 * size.MiB)
	in, _ := fileInput(t, data)
	f := newFake()
	f.failPart = func(n int32) error {
		if n == 1 {
			fh, _ := os.OpenFile(in.SourcePath, os.O_APPEND|os.O_WRONLY, 0)
			fh.Write([]byte("more"))
			fh.Close()
		}
		return nil
	}
	_, err := New(f, Options{Concurrency: 1, Journals: journals(t)}).Upload(context.Background(), in)
	var sc *SourceChangedError
	var ue *Error
	if !errors.As(err, &sc) || !errors.As(err, &ue) || !ue.Aborted {
		t.Fatalf("error %v: want SourceChangedError and an aborted upload", err)
	}
	if _, ok := f.objects["obj"]; ok {
		t.Fatal("an object was completed from a changing source")
	}
}

// A file appended to while its single PutObject is sent: S3 has stored
// the object, and the error says so, not that it was not completed.
func TestSourceChangedDuringPutObject(t *testing.T) {
	data := randomBytes(64 * 1024)
	in, _ := fileInput(t, data)
	f := newFake()
	f.afterPut = func() {
		fh, _ := os.OpenFile(in.SourcePath, os.O_APPEND|os.O_WRONLY, 0)
		fh.Write([]byte("more"))
		fh.Close()
	}
	_, err := New(f, Options{Journals: journals(t)}).Upload(context.Background(), in)
	var sc *SourceChangedError
	if !errors.As(err, &sc) || !sc.Stored {
		t.Fatalf("error %v: want a SourceChangedError with Stored", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "not completed") || !strings.Contains(msg, "the object was stored") {
		t.Fatalf("message %q: want it to say the object was stored, and only that", msg)
	}
}

// Stop: no new parts start; the upload is kept for a rerun.
func TestStopKeepsUpload(t *testing.T) {
	data := randomBytes(40 * size.MiB)
	in, _ := fileInput(t, data)
	stop := make(chan struct{})
	in.Stop = stop
	f := newFake()
	f.failPart = func(n int32) error {
		if n == 2 {
			close(stop)
		}
		return nil
	}
	_, err := New(f, Options{Concurrency: 1, Journals: journals(t)}).Upload(context.Background(), in)
	var ue *Error
	if !errors.Is(err, ErrStopped) || !errors.As(err, &ue) || !ue.Kept {
		t.Fatalf("error %v: want ErrStopped with the upload kept", err)
	}
	if n := countCalls(f.callList(), "UploadPart"); n != 2 {
		t.Fatalf("%d parts sent after the stop at part 2, want 2 (the in-flight one finishes)", n)
	}
}

// A stream needing more parts than allowed fails and is aborted: never a
// truncated object.
func TestStreamOverPartLimit(t *testing.T) {
	data := randomBytes(3*16*size.MiB + 1)
	f := newFake()
	in := kmsInput(nil)
	in.Body, in.Size = bytes.NewBufferString(string(data)), -1
	_, err := New(f, Options{Concurrency: 2, MaxParts: 3}).Upload(context.Background(), in)
	var tl *StreamTooLargeError
	var ue *Error
	if !errors.As(err, &tl) || !errors.As(err, &ue) || !ue.Aborted {
		t.Fatalf("error %v: want StreamTooLargeError, aborted", err)
	}
	if _, ok := f.objects["obj"]; ok {
		t.Fatal("a truncated object was stored")
	}
}

// Without s3:ListMultipartUploadParts a journal cannot be checked: the old
// upload is aborted and a new one completes, never trusted blindly.
func TestResumeListPartsDenied(t *testing.T) {
	data := randomBytes(20 * size.MiB)
	in, _ := fileInput(t, data)
	st := journals(t)
	f := newFake()
	interruptAt(t, f, st, in, 2)
	f.denyListParts = true
	res, err := New(f, Options{Concurrency: 1, Journals: st}).Upload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.callList()
	if countCalls(calls, "AbortMultipartUpload") != 1 || countCalls(calls, "UploadPart") != 3 || !bytes.Equal(f.objects["obj"], data) {
		t.Fatalf("calls %v: want the old upload aborted and all 3 parts sent", calls)
	}
	if len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "ListMultipartUploadParts") {
		t.Fatalf("notes %q do not name the missing permission", res.Notes)
	}
}

// interruptAt runs a first upload that fails transiently at part n, so a
// journaled, kept upload is left for the next run; the fake is then reset
// to succeed.
func interruptAt(t *testing.T, f *fakeS3, st *Journals, in Input, n int32) {
	t.Helper()
	f.failPart = func(p int32) error {
		if p == n {
			return errors.New("connection reset by peer")
		}
		return nil
	}
	if _, err := New(f, Options{Concurrency: 1, Journals: st}).Upload(context.Background(), in); err == nil {
		t.Fatal("the interrupted run succeeded")
	}
	f.failPart, f.calls = nil, nil
}

// A cancel while S3 answers CreateMultipartUpload does not orphan the
// upload S3 made: a journaled file keeps it, journaled, for the rerun to
// resume; a stream, which no rerun can resume, aborts it.
func TestCancelWhileCreateAnswers(t *testing.T) {
	for _, journaled := range []bool{true, false} {
		data := randomBytes(20 * size.MiB)
		in, _ := fileInput(t, data)
		st := journals(t)
		if !journaled {
			in.SourcePath, in.Body = "", bytes.NewReader(data)
			st = nil
		}
		f := newFake()
		ctx, cancel := context.WithCancel(context.Background())
		f.duringCreate = cancel
		_, err := New(f, Options{Concurrency: 2, Journals: st}).Upload(ctx, in)
		cancel()
		var ue *Error
		if !errors.Is(err, context.Canceled) || !errors.As(err, &ue) || ue.UploadID != "upload-1" {
			t.Fatalf("journaled %v: %v, want the cancel, naming upload-1", journaled, err)
		}
		if got := countCalls(f.callList(), "UploadPart"); got != 0 {
			t.Errorf("journaled %v: %d parts sent after the cancel", journaled, got)
		}
		_, open := f.uploads["upload-1"]
		if journaled {
			recs, _ := st.s.List()
			if !ue.Kept || !open || len(recs) != 1 || recs[0].UploadID != "upload-1" {
				t.Errorf("kept %v, open %v, journal %+v: want upload-1 kept and journaled", ue.Kept, open, recs)
			}
		} else if !ue.Aborted || open || f.abortLeft > netpolicy.CancelledCleanupTimeout {
			// After a cancel the abort is not waited on for long (under
			// SIGTERM, docker kills at 10 s).
			t.Errorf("stream: aborted %v, still open %v, the abort given %v: want it aborted within %v",
				ue.Aborted, open, f.abortLeft, netpolicy.CancelledCleanupTimeout)
		}
	}
}

// A context ended before the upload starts sends no CreateMultipartUpload:
// waiting for S3's answer after a cancel (Outlive) must not make an upload
// a Ctrl-C already refused.
func TestCancelledBeforeCreateSendsNothing(t *testing.T) {
	data := randomBytes(20 * size.MiB)
	in, _ := fileInput(t, data)
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(f, Options{Concurrency: 2, Journals: journals(t)}).Upload(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want the cancel", err)
	}
	if n := countCalls(f.callList(), "CreateMultipartUpload"); n != 0 || len(f.uploads) != 0 {
		t.Errorf("%d creates, %d uploads made after the cancel: %v", n, len(f.uploads), f.callList())
	}
}
