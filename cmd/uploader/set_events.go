package main

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/tree"
	"github.com/uploader-dev/uploader/upload"
)

// setEvents writes --json for a set (cp --recursive). Each file's start
// and result carry its source, the path relative to DIR; progress lines
// are the set's; the last line is the summary. One Uploader serves every
// file; each file's Input has its own listener (fileListener), so its
// events carry its source.
type setEvents struct {
	upload.NopListener
	mu     sync.Mutex
	enc    *json.Encoder
	bucket string
	start  time.Time

	bytes      int64 // sent by this run, over all files
	lastProg   time.Time
	filesDone  int
	filesTotal int
	totalBytes int64
	resumed    map[string]int64 // key -> bytes an earlier run uploaded, while the file is in its turn
}

func newSetEvents(w io.Writer, job *setJob, t tree.Totals) *setEvents {
	return &setEvents{enc: json.NewEncoder(w), bucket: job.target.Bucket,
		start: time.Now(), filesTotal: t.Files + t.Other, totalBytes: t.Bytes, resumed: map[string]int64{}}
}

func (e *setEvents) emit(v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.enc.Encode(v)
}

func (e *setEvents) started(source string, s upload.StartInfo) {
	e.mu.Lock()
	e.resumed[s.Key] = s.Resumed
	e.mu.Unlock()
	e.emit(startEvent{Event: "start", Source: source, Target: "s3://" + s.Bucket + "/" + s.Key, Size: s.Size,
		Multipart: s.Plan.Multipart, PartSize: s.Plan.PartSize, Parts: s.Plan.Parts,
		Concurrency: s.Concurrency, UploadID: s.UploadID, ResumedBytes: s.Resumed})
}

func (e *setEvents) retrying(source string, r upload.RetryInfo) {
	e.emit(retryEvent{Event: "retry", Source: source, Part: r.Part, Attempt: r.Attempt, Reason: r.Reason})
}

// fileListener is one file's listener in a set: the set's other
// listeners (counters, bar) and its JSON events, with the file named.
type fileListener struct {
	listeners // the set's, but for events
	events    *setEvents
	source    string
}

func (l fileListener) Started(s upload.StartInfo) {
	l.listeners.Started(s)
	l.events.started(l.source, s)
}
func (l fileListener) BytesSent(n int64)          { l.listeners.BytesSent(n); l.events.BytesSent(n) }
func (l fileListener) PartDone(p upload.PartInfo) { l.listeners.PartDone(p); l.events.PartDone(p) }
func (l fileListener) Retrying(r upload.RetryInfo) {
	l.listeners.Retrying(r)
	l.events.retrying(l.source, r)
}

// setProgressEvent is a set's progress line: bytes over all files.
type setProgressEvent struct {
	Event      string  `json:"event"` // "progress"
	Bytes      int64   `json:"bytes"`
	Rate       float64 `json:"rate"`
	FilesDone  int     `json:"files_done"`
	FilesTotal int     `json:"files_total"`
	TotalBytes int64   `json:"total_bytes"`
}

// BytesSent emits a progress line at most once a second.
func (e *setEvents) BytesSent(n int64) {
	e.mu.Lock()
	e.bytes += n
	now := time.Now()
	if now.Sub(e.lastProg) < time.Second {
		e.mu.Unlock()
		return
	}
	e.lastProg = now
	ev := setProgressEvent{Event: "progress", Bytes: e.bytes, Rate: float64(e.bytes) / max(now.Sub(e.start).Seconds(), 1e-9),
		FilesDone: e.filesDone, FilesTotal: e.filesTotal, TotalBytes: e.totalBytes}
	e.mu.Unlock()
	e.emit(ev)
}

// status is a file's JSON result status.
func status(c tree.Class) string {
	switch c {
	case tree.OK:
		return "ok"
	case tree.Skipped:
		return "skipped"
	case tree.Cancelled:
		return "cancelled"
	case tree.Interrupted:
		return "interrupted"
	}
	return "failed"
}

// result writes a file's last line; code is the exit code the file alone
// would give.
func (e *setEvents) result(fr tree.FileResult, target string, code int) {
	var r resultEvent
	switch fr.Class {
	case tree.OK:
		r = okResult(fr.Upload)
	case tree.Skipped:
		r = resultEvent{Reason: string(fr.Reason), ExitCode: code, Notes: []string{fr.Why}}
		if fr.Reason == tree.Exists {
			r.Bytes = fr.Entry.Size
		}
	default:
		r = failedResult(fr.Err, code)
		if fr.Class == tree.Interrupted {
			r.Diagnosis = nil // the signal is the cause, not what the cancelled requests said
		}
	}
	e.mu.Lock()
	if fr.Class != tree.OK && fr.Class != tree.Skipped {
		r.ResumedBytes = e.resumed[fr.Key]
	}
	delete(e.resumed, fr.Key)
	e.filesDone++
	e.mu.Unlock()
	r.Event, r.Status = "result", status(fr.Class)
	r.Source, r.Target = fr.Entry.Rel, target
	r.DurationSeconds = fr.Duration.Seconds()
	e.emit(r)
}

// summaryEvent is the last line of a set.
type summaryEvent struct {
	Event           string              `json:"event"` // "summary"
	Source          string              `json:"source"`
	Target          string              `json:"target"`
	FilesTotal      int                 `json:"files_total"`
	FilesOK         int                 `json:"files_ok"`
	FilesFailed     int                 `json:"files_failed"`
	FilesSkipped    int                 `json:"files_skipped"`
	FilesNotStarted int                 `json:"files_not_started"`
	Bytes           int64               `json:"bytes"`
	DurationSeconds float64             `json:"duration_seconds"`
	ExitCode        int                 `json:"exit_code"`
	Error           string              `json:"error,omitempty"`
	Diagnosis       *diagnose.Diagnosis `json:"diagnosis,omitempty"`
	// SkipRule is the rule --skip-existing applied (sync, content); "" without it.
	SkipRule string `json:"skip_rule,omitempty"`
}

func (e *setEvents) summary(s summaryEvent) {
	s.Event = "summary"
	e.mu.Lock()
	s.Bytes = e.bytes
	e.mu.Unlock()
	s.DurationSeconds = time.Since(e.start).Seconds()
	e.emit(s)
}
