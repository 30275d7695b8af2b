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

// eventWriter writes cp's --json output, for one file and for a set alike
// (docs/json-events.md): newline-delimited JSON on stdout, one object a
// line, each with an "event" field. Field names are a contract; add
// fields, never rename them.
//
// Every event of one object (start, retry, network_wait, its progress,
// result) names it: its source and its target. Each object's upload has
// its own listener (objectListener) that says which object it is; the
// writer keeps what each object in its turn sent and had resumed, so its
// result reports them. One file is the set of one: the same listener, the
// same result; only progress differs, the file's own (source and target)
// for one file, the set's (bytes over all files, files done of the total)
// for a set, and a set ends with a summary.
type eventWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
	// set holds a set's totals; nil for one file.
	set      *setTotals
	start    time.Time
	bytes    int64 // sent by this run, over every object
	lastProg time.Time
	objects  map[string]*objectBytes // target -> its bytes, while its turn lasts
}

type setTotals struct {
	filesDone  int
	filesTotal int
	totalBytes int64
}

// objectBytes is what one object's upload sent in this run, and what an
// earlier run had uploaded (resumed).
type objectBytes struct{ sent, resumed int64 }

func newEventWriter(w io.Writer) *eventWriter {
	return &eventWriter{enc: json.NewEncoder(w), start: time.Now(), objects: map[string]*objectBytes{}}
}

// forSet makes the writer a set's: progress lines count files and bytes
// over the set (files and bytes: the counting pass's, tree.Totals).
func (e *eventWriter) forSet(files int, bytes int64) *eventWriter {
	e.set = &setTotals{filesTotal: files, totalBytes: bytes}
	return e
}

func (e *eventWriter) emit(v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_ = e.enc.Encode(v)
}

// object is what an event says of its object: the source (a file's path
// as given for one file, relative to DIR in a set; "-" for stdin) and the
// target, s3://bucket/key.
type object struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// counts returns the bytes of obj, made on first use.
func (e *eventWriter) counts(obj object) *objectBytes {
	b := e.objects[obj.Target]
	if b == nil {
		b = &objectBytes{}
		e.objects[obj.Target] = b
	}
	return b
}

type startEvent struct {
	Event string `json:"event"` // "start"
	object
	Size        int64  `json:"size"` // -1 for a stream
	Multipart   bool   `json:"multipart"`
	PartSize    int64  `json:"part_size,omitempty"`
	Parts       int    `json:"parts,omitempty"`
	Concurrency int    `json:"concurrency"`
	UploadID    string `json:"upload_id,omitempty"`
	// ResumedBytes were uploaded by an earlier run and are not sent again.
	ResumedBytes int64 `json:"resumed_bytes"`
}

func (e *eventWriter) started(obj object, s upload.StartInfo) {
	e.mu.Lock()
	e.counts(obj).resumed = s.Resumed
	e.mu.Unlock()
	e.emit(startEvent{Event: "start", object: obj, Size: s.Size,
		Multipart: s.Plan.Multipart, PartSize: s.Plan.PartSize, Parts: s.Plan.Parts,
		Concurrency: s.Concurrency, UploadID: s.UploadID, ResumedBytes: s.Resumed})
}

type retryEvent struct {
	Event string `json:"event"` // "retry"
	object
	Part    int32  `json:"part"` // 0 for a single-request upload
	Attempt int    `json:"attempt"`
	Reason  string `json:"reason"`
}

func (e *eventWriter) retrying(obj object, r upload.RetryInfo) {
	e.emit(retryEvent{Event: "retry", object: obj, Part: r.Part, Attempt: r.Attempt, Reason: r.Reason})
}

type networkWaitEvent struct {
	Event string `json:"event"` // "network_wait"
	object
	Operation string `json:"operation"`
	Part      int32  `json:"part"`    // 0 for other operations than UploadPart
	Attempt   int    `json:"attempt"` // the attempt that failed
	Reason    string `json:"reason"`
	Stalled   bool   `json:"stalled"`
	// RetryAt is when the next attempt starts, GivesUpAt when the retry
	// window closes (RFC 3339, UTC, milliseconds).
	RetryAt   string `json:"retry_at"`
	GivesUpAt string `json:"gives_up_at"`
}

func (e *eventWriter) waiting(obj object, w upload.NetworkWait) {
	e.emit(networkWaitEvent{Event: "network_wait", object: obj, Operation: w.Operation, Part: w.Part,
		Attempt: w.Attempt, Reason: w.Reason, Stalled: w.Stalled,
		RetryAt: stamp(w.RetryAt), GivesUpAt: stamp(w.Deadline)})
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// progressEvent is one file's progress line.
type progressEvent struct {
	Event string `json:"event"` // "progress"
	object
	Bytes int64   `json:"bytes"`
	Rate  float64 `json:"rate"` // bytes per second since the start
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

// sent counts n bytes of obj and emits a progress line at most once a
// second: the file's for one file, the set's for a set.
func (e *eventWriter) sent(obj object, n int64) {
	e.mu.Lock()
	e.bytes += n
	e.counts(obj).sent += n
	now := time.Now()
	if now.Sub(e.lastProg) < time.Second {
		e.mu.Unlock()
		return
	}
	e.lastProg = now
	rate := float64(e.bytes) / max(now.Sub(e.start).Seconds(), 1e-9)
	var ev any = progressEvent{Event: "progress", object: obj, Bytes: e.bytes, Rate: rate}
	if e.set != nil {
		ev = setProgressEvent{Event: "progress", Bytes: e.bytes, Rate: rate,
			FilesDone: e.set.filesDone, FilesTotal: e.set.filesTotal, TotalBytes: e.set.totalBytes}
	}
	e.mu.Unlock()
	e.emit(ev)
}

type resultEvent struct {
	Event  string `json:"event"`  // "result"
	Status string `json:"status"` // ok, failed, interrupted; in a set also skipped, cancelled
	// Source is the file as given (one file), its path relative to DIR (a
	// set), or "-" (stdin).
	Source            string              `json:"source"`
	Target            string              `json:"target"`
	Bytes             int64               `json:"bytes"`
	DurationSeconds   float64             `json:"duration_seconds"`
	ETag              string              `json:"etag,omitempty"`
	VersionID         string              `json:"version_id,omitempty"`
	UploadID          string              `json:"upload_id,omitempty"`
	SSE               string              `json:"sse,omitempty"`
	KMSKeyID          string              `json:"kms_key_id,omitempty"`
	Checksum          string              `json:"checksum,omitempty"`
	ChecksumAlgorithm string              `json:"checksum_algorithm,omitempty"`
	ChecksumType      string              `json:"checksum_type,omitempty"`
	ChecksumVerified  bool                `json:"checksum_verified"`
	ResumedBytes      int64               `json:"resumed_bytes"`
	Notes             []string            `json:"notes,omitempty"`
	ExitCode          int                 `json:"exit_code"`
	Error             string              `json:"error,omitempty"`
	Diagnosis         *diagnose.Diagnosis `json:"diagnosis,omitempty"`
	UploadKept        bool                `json:"upload_kept,omitempty"`
	UploadAborted     bool                `json:"upload_aborted,omitempty"`
	// Reason says why a file of a set was skipped: exists, special,
	// symlink_loop.
	Reason string `json:"reason,omitempty"`
}

// outcome is how one object ended, for its result line and its human
// lines: one file's and a set's files' alike.
type outcome struct {
	obj    object
	class  tree.Class
	code   int           // the exit code this object alone gives
	err    error         // the failure, for the failed classes
	upload upload.Result // the stored object, for OK
	notes  []string      // said before the upload (one file's plan notes), added to OK's
	// reason and why are a skip's; skipped is its size for Exists.
	reason  tree.SkipReason
	why     string
	skipped int64
	// duration is from the object's turn to its end; with wholeRun (one
	// file), since the run began, the preflight included.
	duration time.Duration
	wholeRun bool
	// diag is the failure's diagnosis when err does not carry it (a
	// preflight's FAIL); reported: its human lines were printed already.
	diag     *diagnose.Diagnosis
	reported bool
}

// fileOutcome is a set's file's end as an outcome.
func fileOutcome(fr tree.FileResult, obj object, code int) outcome {
	o := outcome{obj: obj, class: fr.Class, code: code, err: fr.Err, upload: fr.Upload,
		reason: fr.Reason, why: fr.Why, duration: fr.Duration}
	if fr.Class == tree.Skipped && fr.Reason == tree.Exists {
		o.skipped = fr.Entry.Size
	}
	return o
}

// status is an outcome's JSON result status.
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

// result writes an object's last line. A failed upload reports the bytes
// this run sent of it and those an earlier run had, so a program can see
// what a rerun will resume.
func (e *eventWriter) result(o outcome) {
	var r resultEvent
	switch o.class {
	case tree.OK:
		res := o.upload
		r = resultEvent{Bytes: res.Size, ETag: res.ETag, VersionID: res.VersionID,
			UploadID: res.UploadID, SSE: res.SSE, KMSKeyID: res.KMSKeyID,
			Checksum: res.Checksum, ChecksumAlgorithm: res.ChecksumAlgorithm, ChecksumType: res.ChecksumType,
			ChecksumVerified: res.ChecksumVerified, ResumedBytes: res.Resumed,
			Notes: append(append([]string(nil), o.notes...), res.Notes...)}
	case tree.Skipped:
		r = resultEvent{Reason: string(o.reason), Bytes: o.skipped, Notes: []string{o.why}}
	default:
		r = failedResult(o.err)
		if o.diag != nil {
			r.Diagnosis = o.diag
		}
		if o.class == tree.Interrupted {
			r.Diagnosis = nil // the signal is the cause, not what the cancelled requests said
		}
	}
	e.mu.Lock()
	if b := e.objects[o.obj.Target]; b != nil && o.class != tree.OK && o.class != tree.Skipped {
		r.Bytes, r.ResumedBytes = b.sent, b.resumed
	}
	delete(e.objects, o.obj.Target)
	if e.set != nil {
		e.set.filesDone++
	}
	e.mu.Unlock()
	r.Event, r.Status, r.ExitCode = "result", status(o.class), o.code
	r.Source, r.Target = o.obj.Source, o.obj.Target
	r.DurationSeconds = o.duration.Seconds()
	if o.wholeRun {
		r.DurationSeconds = time.Since(e.start).Seconds()
	}
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
	// DirsUnreadable counts the directories the walk could not read (their
	// files are not in the other counts).
	DirsUnreadable int `json:"dirs_unreadable,omitempty"`
}

func (e *eventWriter) summary(s summaryEvent) {
	s.Event = "summary"
	e.mu.Lock()
	s.Bytes = e.bytes
	e.mu.Unlock()
	s.DurationSeconds = time.Since(e.start).Seconds()
	e.emit(s)
}

// objectListener is one object's listener: the run's other listeners
// (a bar, counters) and its JSON events, with the object named. One file
// and each file of a set have one.
type objectListener struct {
	listeners // the run's, but for events
	events    *eventWriter
	obj       object
}

func (l objectListener) Started(s upload.StartInfo) {
	l.listeners.Started(s)
	if l.events != nil {
		l.events.started(l.obj, s)
	}
}

func (l objectListener) BytesSent(n int64) {
	l.listeners.BytesSent(n)
	if l.events != nil {
		l.events.sent(l.obj, n)
	}
}

func (l objectListener) Retrying(r upload.RetryInfo) {
	l.listeners.Retrying(r)
	if l.events != nil {
		l.events.retrying(l.obj, r)
	}
}

func (l objectListener) WaitingForNetwork(w upload.NetworkWait) {
	l.listeners.WaitingForNetwork(w)
	if l.events != nil {
		l.events.waiting(l.obj, w)
	}
}

// listeners fans engine events out to several listeners.
type listeners []upload.Listener

func (ls listeners) Started(s upload.StartInfo) {
	for _, l := range ls {
		l.Started(s)
	}
}
func (ls listeners) BytesSent(n int64) {
	for _, l := range ls {
		l.BytesSent(n)
	}
}
func (ls listeners) PartDone(p upload.PartInfo) {
	for _, l := range ls {
		l.PartDone(p)
	}
}
func (ls listeners) Retrying(r upload.RetryInfo) {
	for _, l := range ls {
		l.Retrying(r)
	}
}
func (ls listeners) WaitingForNetwork(w upload.NetworkWait) {
	for _, l := range ls {
		if nl, ok := l.(upload.NetworkListener); ok {
			nl.WaitingForNetwork(w)
		}
	}
}
