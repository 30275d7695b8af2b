package journal

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
)

// FormatVersion is the journal format this package writes and reads.
const FormatVersion = 1

// Identity names one upload: the same source file sent to the same object.
// Source must be absolute and clean (filepath.Abs gives both); resolving
// symlinks, if wanted, is the caller's choice.
type Identity struct {
	Source string
	Bucket string
	Key    string
}

// ID returns a stable, file-name-safe id for the identity: the first 32 hex
// digits (128 bits) of a SHA-256 over the three fields, each prefixed with
// its length so that ("a/b", "c") and ("a", "b/c") differ.
func (id Identity) ID() string {
	h := sha256.New()
	h.Write([]byte("uploader-journal-v1\x00"))
	for _, s := range []string{id.Source, id.Bucket, id.Key} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// String renders the identity for messages: "/path/file -> s3://bucket/key".
func (id Identity) String() string {
	return id.Source + " -> " + id.url()
}

func (id Identity) url() string { return "s3://" + id.Bucket + "/" + id.Key }

func (id Identity) validate() error {
	switch {
	case id.Source == "" || !filepath.IsAbs(id.Source) || filepath.Clean(id.Source) != id.Source:
		return fmt.Errorf("journal: source %q is not an absolute, clean path", id.Source)
	case id.Bucket == "":
		return fmt.Errorf("journal: empty bucket for %s", id.Source)
	case id.Key == "":
		return fmt.Errorf("journal: empty key for %s", id.Source)
	}
	return nil
}

// Settings are what a journal's parts depend on: the journal is valid only
// while all of them still match (see Record.Matches).
type Settings struct {
	// Size is the source's size in bytes.
	Size int64
	// ModTime is the source's modification time, compared at nanosecond
	// precision as an instant (the time zone does not matter).
	ModTime time.Time
	// PartSize is the size of every part but the last.
	PartSize int64
	// SSE is the normalized encryption settings (mode, key id, context,
	// bucket key) as the engine serializes them; "" for none. It is stored in
	// clear text: an SSE-C key may appear only as its digest.
	SSE string
	// Checksum is the algorithm and type, e.g. "CRC64NVME/FULL_OBJECT".
	Checksum string
}

// Part is one part S3 acknowledged.
type Part struct {
	// Number is the S3 part number, 1 to 10000.
	Number int32
	// Size is the part's length in bytes.
	Size int64
	// ETag is the ETag UploadPart returned, quotes included, as S3 sent it.
	ETag string
	// Checksum is the part's checksum in base64 as sent to S3, "" if none.
	Checksum string
}

// Record is the content of one journal.
type Record struct {
	// Version is the format version the journal was written with.
	Version  int
	Identity Identity
	Settings Settings
	// UploadID is the S3 multipart upload id.
	UploadID string
	// Created is when Begin wrote the journal, in UTC.
	Created time.Time
	// Parts holds the acknowledged parts by number; when a number was
	// recorded twice the last record wins. Never nil after Load or List.
	Parts map[int32]Part
	// Path is the journal file, for messages; it is not stored in the file.
	Path string
}

// SortedParts returns the parts in ascending part-number order.
func (r *Record) SortedParts() []Part {
	ps := make([]Part, 0, len(r.Parts))
	for _, p := range r.Parts {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b Part) int { return int(a.Number) - int(b.Number) })
	return ps
}

// Bytes is the total size of the recorded parts.
func (r *Record) Bytes() int64 {
	var n int64
	for _, p := range r.Parts {
		n += p.Size
	}
	return n
}

// Matches reports whether the journal's parts are still usable with the
// settings s of this run. When not, the reason names every setting that
// changed with its old and new value, e.g. "the source's size changed:
// 100 MiB then, 101 MiB now".
func (r *Record) Matches(s Settings) (bool, string) {
	old := r.Settings
	var why []string
	if old.Size != s.Size {
		a, b := sizes(old.Size, s.Size)
		why = append(why, fmt.Sprintf("the source's size changed: %s then, %s now", a, b))
	}
	if !old.ModTime.Equal(s.ModTime) {
		why = append(why, fmt.Sprintf("the source's modification time changed: %s then, %s now",
			stamp(old.ModTime), stamp(s.ModTime)))
	}
	if old.PartSize != s.PartSize {
		a, b := sizes(old.PartSize, s.PartSize)
		why = append(why, fmt.Sprintf("the part size changed: %s then, %s now", a, b))
	}
	if old.SSE != s.SSE {
		why = append(why, fmt.Sprintf("the encryption settings changed: %s then, %s now", orNone(old.SSE), orNone(s.SSE)))
	}
	if old.Checksum != s.Checksum {
		why = append(why, fmt.Sprintf("the checksum setting changed: %s then, %s now", orNone(old.Checksum), orNone(s.Checksum)))
	}
	return len(why) == 0, strings.Join(why, "; ")
}

// sizes formats two sizes readably, falling back to exact bytes when the
// rounded forms would look equal (a file that grew by one byte).
func sizes(a, b int64) (string, string) {
	fa, fb := size.Format(a), size.Format(b)
	if fa == fb {
		return fmt.Sprintf("%d bytes", a), fmt.Sprintf("%d bytes", b)
	}
	return fa, fb
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}
