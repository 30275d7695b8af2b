package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// The envelope is fixed byte for byte so that the CRC can cover the payload
// exactly as written and so that one flipped byte anywhere is detected.
const (
	crcPrefix   = `{"crc32c":"`
	headerField = `","header":`
	partField   = `","part":`
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// wireHeader and wirePart are the on-disk shapes: kept apart from Record so
// that renaming a Go field can never silently change the format.
type wireHeader struct {
	Version  int    `json:"version"`
	Source   string `json:"source"`
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	Size     int64  `json:"size"`
	MTime    string `json:"mtime"`
	PartSize int64  `json:"part_size"`
	SSE      string `json:"sse"`
	Checksum string `json:"checksum"`
	UploadID string `json:"upload_id"`
	Created  string `json:"created"`
}

type wirePart struct {
	Number   int32  `json:"number"`
	Size     int64  `json:"size"`
	ETag     string `json:"etag"`
	Checksum string `json:"checksum"`
}

// encode renders a whole journal: the header, then the parts in number order.
func encode(r *Record) ([]byte, error) {
	line, err := encodeHeader(r)
	if err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(line)
	for _, p := range r.SortedParts() {
		line, err := encodePart(p)
		if err != nil {
			return nil, err
		}
		buf.Write(line)
	}
	return buf.Bytes(), nil
}

func encodeHeader(r *Record) ([]byte, error) {
	if r.Version != FormatVersion {
		return nil, fmt.Errorf("journal: cannot write format version %d", r.Version)
	}
	if err := r.Identity.validate(); err != nil {
		return nil, err
	}
	if r.UploadID == "" {
		return nil, errors.New("journal: empty upload id")
	}
	if r.Settings.Size < 0 || r.Settings.PartSize <= 0 {
		return nil, fmt.Errorf("journal: bad size %d or part size %d", r.Settings.Size, r.Settings.PartSize)
	}
	mtime, err := formatTime(r.Settings.ModTime)
	if err != nil {
		return nil, err
	}
	created, err := formatTime(r.Created)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(wireHeader{
		Version:  r.Version,
		Source:   r.Identity.Source,
		Bucket:   r.Identity.Bucket,
		Key:      r.Identity.Key,
		Size:     r.Settings.Size,
		MTime:    mtime,
		PartSize: r.Settings.PartSize,
		SSE:      r.Settings.SSE,
		Checksum: r.Settings.Checksum,
		UploadID: r.UploadID,
		Created:  created,
	})
	if err != nil {
		return nil, err
	}
	return envelope(headerField, payload), nil
}

func encodePart(p Part) ([]byte, error) {
	if err := validatePart(p); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(wirePart(p))
	if err != nil {
		return nil, err
	}
	return envelope(partField, payload), nil
}

func envelope(field string, payload []byte) []byte {
	line := make([]byte, 0, len(crcPrefix)+8+len(field)+len(payload)+2)
	line = append(line, crcPrefix...)
	line = fmt.Appendf(line, "%08x", crc32.Checksum(payload, castagnoli))
	line = append(line, field...)
	line = append(line, payload...)
	return append(line, '}', '\n')
}

// decode parses a whole journal. good is the length of the prefix that holds
// the header and every valid part line; anything after it is a torn final
// line that a crash may leave and that the caller should cut off before
// appending. An error means the file cannot be trusted at all.
func decode(data []byte) (r *Record, good int, err error) {
	if len(data) == 0 {
		return nil, 0, errors.New("empty file")
	}
	end := bytes.IndexByte(data, '\n')
	if end < 0 {
		return nil, 0, errors.New("torn header (no complete first line)")
	}
	r, err = decodeHeader(data[:end])
	if err != nil {
		return nil, 0, fmt.Errorf("line 1: %w", err)
	}
	good = end + 1
	for n := 2; good < len(data); n++ {
		rest := data[good:]
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			// No newline: an append the crash interrupted. Not durable,
			// so not acknowledged by us: the part is simply sent again.
			break
		}
		p, err := decodePart(rest[:end])
		if err != nil {
			if end+1 == len(rest) {
				// The last line can be torn even with its newline on a
				// filesystem that does not order data before size; only
				// one append is ever in flight, so only this line.
				break
			}
			return nil, 0, fmt.Errorf("line %d: %w", n, err)
		}
		r.Parts[p.Number] = p
		good += end + 1
	}
	return r, good, nil
}

// payload checks a line's envelope and CRC and returns what it carries.
func payload(line []byte, field string) ([]byte, error) {
	head := len(crcPrefix) + 8 + len(field)
	if len(line) < head+1 || !bytes.HasPrefix(line, []byte(crcPrefix)) ||
		string(line[len(crcPrefix)+8:head]) != field || line[len(line)-1] != '}' {
		return nil, errors.New("malformed line")
	}
	var want uint32
	for _, c := range line[len(crcPrefix) : len(crcPrefix)+8] {
		switch {
		case '0' <= c && c <= '9':
			want = want<<4 | uint32(c-'0')
		case 'a' <= c && c <= 'f':
			want = want<<4 | uint32(c-'a'+10)
		default:
			return nil, errors.New("malformed checksum")
		}
	}
	body := line[head : len(line)-1]
	if crc32.Checksum(body, castagnoli) != want {
		return nil, errors.New("checksum mismatch")
	}
	return body, nil
}

func decodeHeader(line []byte) (*Record, error) {
	body, err := payload(line, headerField)
	if err != nil {
		return nil, err
	}
	// Look at the version alone first so that a newer format is reported
	// as such rather than as unknown fields.
	var v struct {
		Version int `json:"version"`
	}
	if json.Unmarshal(body, &v) == nil && v.Version != FormatVersion {
		return nil, fmt.Errorf("format version %d, this uploader reads %d", v.Version, FormatVersion)
	}
	var h wireHeader
	if err := strictUnmarshal(body, &h); err != nil {
		return nil, err
	}
	r := &Record{
		Version:  h.Version,
		Identity: Identity{Source: h.Source, Bucket: h.Bucket, Key: h.Key},
		Settings: Settings{Size: h.Size, PartSize: h.PartSize, SSE: h.SSE, Checksum: h.Checksum},
		UploadID: h.UploadID,
		Parts:    map[int32]Part{},
	}
	if r.Settings.ModTime, err = parseTime(h.MTime); err != nil {
		return nil, fmt.Errorf("mtime: %w", err)
	}
	if r.Created, err = parseTime(h.Created); err != nil {
		return nil, fmt.Errorf("created: %w", err)
	}
	// What we read must be something we would write: the same checks.
	if _, err := encodeHeader(r); err != nil {
		return nil, err
	}
	return r, nil
}

func decodePart(line []byte) (Part, error) {
	body, err := payload(line, partField)
	if err != nil {
		return Part{}, err
	}
	var w wirePart
	if err := strictUnmarshal(body, &w); err != nil {
		return Part{}, err
	}
	p := Part(w)
	return p, validatePart(p)
}

func validatePart(p Part) error {
	switch {
	case p.Number < 1 || p.Number > 10000:
		return fmt.Errorf("journal: part number %d out of 1..10000", p.Number)
	case p.Size < 0:
		return fmt.Errorf("journal: part %d has negative size", p.Number)
	case p.ETag == "":
		return fmt.Errorf("journal: part %d has no ETag", p.Number)
	}
	return nil
}

// strictUnmarshal accepts exactly one JSON object with only known fields.
func strictUnmarshal(b []byte, v any) error {
	if len(b) == 0 || b[0] != '{' {
		return errors.New("payload is not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after payload")
	}
	return nil
}

// Times are stored as RFC 3339 with nanoseconds in UTC: exact, and readable
// by a person looking at the file.
func formatTime(t time.Time) (string, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("journal: time %v out of range", t)
	}
	return t.Format(time.RFC3339Nano), nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
