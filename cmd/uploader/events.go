package main

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

// jsonEvents writes --json output: newline-delimited JSON on stdout, one
// object a line, each with an "event" field. Field names are a contract
// (README, "JSON output"); add fields, never rename them.
type jsonEvents struct {
	upload.NopListener
	mu       sync.Mutex
	w        io.Writer
	enc      *json.Encoder
	source   string
	target   string
	start    time.Time
	bytes    int64 // sent by this run
	resumed  int64 // uploaded by an earlier run
	lastProg time.Time
}

func newJSONEvents(w io.Writer, source, target string) *jsonEvents {
	return &jsonEvents{w: w, enc: json.NewEncoder(w), source: source, target: target, start: time.Now()}
}

func (j *jsonEvents) emit(v any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(v)
}

type startEvent struct {
	Event       string `json:"event"` // "start"
	Source      string `json:"source"`
	Target      string `json:"target"`
	Size        int64  `json:"size"` // -1 for a stream
	Multipart   bool   `json:"multipart"`
	PartSize    int64  `json:"part_size,omitempty"`
	Parts       int    `json:"parts,omitempty"`
	Concurrency int    `json:"concurrency"`
	UploadID    string `json:"upload_id,omitempty"`
	// ResumedBytes were uploaded by an earlier run and are not sent again.
	ResumedBytes int64 `json:"resumed_bytes"`
}

func (j *jsonEvents) Started(s upload.StartInfo) {
	j.mu.Lock()
	j.resumed = s.Resumed
	j.mu.Unlock()
	j.emit(startEvent{Event: "start", Source: j.source, Target: j.target, Size: s.Size,
		Multipart: s.Plan.Multipart, PartSize: s.Plan.PartSize, Parts: s.Plan.Parts,
		Concurrency: s.Concurrency, UploadID: s.UploadID, ResumedBytes: s.Resumed})
}

type retryEvent struct {
	Event   string `json:"event"`            // "retry"
	Source  string `json:"source,omitempty"` // cp --recursive: the file, relative to DIR
	Part    int32  `json:"part"`             // 0 for a single-request upload
	Attempt int    `json:"attempt"`
	Reason  string `json:"reason"`
}

func (j *jsonEvents) Retrying(r upload.RetryInfo) {
	j.emit(retryEvent{Event: "retry", Part: r.Part, Attempt: r.Attempt, Reason: r.Reason})
}

type progressEvent struct {
	Event string  `json:"event"` // "progress"
	Bytes int64   `json:"bytes"`
	Rate  float64 `json:"rate"` // bytes per second since the start
}

// BytesSent emits a progress line at most once a second.
func (j *jsonEvents) BytesSent(n int64) {
	j.mu.Lock()
	j.bytes += n
	now := time.Now()
	due := now.Sub(j.lastProg) >= time.Second
	if due {
		j.lastProg = now
	}
	bytes := j.bytes
	j.mu.Unlock()
	if due {
		j.emit(progressEvent{Event: "progress", Bytes: bytes, Rate: float64(bytes) / max(now.Sub(j.start).Seconds(), 1e-9)})
	}
}

type resultEvent struct {
	Event  string `json:"event"`  // "result"
	Status string `json:"status"` // ok, failed, interrupted; in a set also skipped, cancelled
	// Source is the file's path relative to DIR, in a set (cp --recursive).
	Source            string              `json:"source,omitempty"`
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

// okResult is the result of a stored object.
func okResult(res upload.Result) resultEvent {
	return resultEvent{Status: "ok", Bytes: res.Size, ETag: res.ETag, VersionID: res.VersionID,
		UploadID: res.UploadID, SSE: res.SSE, KMSKeyID: res.KMSKeyID,
		Checksum: res.Checksum, ChecksumAlgorithm: res.ChecksumAlgorithm, ChecksumType: res.ChecksumType,
		ChecksumVerified: res.ChecksumVerified, ResumedBytes: res.Resumed, Notes: res.Notes}
}

// result writes the last line. A failed run reports the bytes it sent and
// those an earlier run had, so a program can see what a rerun will resume.
func (j *jsonEvents) result(r resultEvent) {
	r.Event = "result"
	if r.Status != "ok" {
		j.mu.Lock()
		r.Bytes, r.ResumedBytes = j.bytes, j.resumed
		j.mu.Unlock()
	}
	r.Target = j.target
	r.DurationSeconds = time.Since(j.start).Seconds()
	j.emit(r)
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
