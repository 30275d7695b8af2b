package journal

import (
	"bytes"
	"encoding/json"
)

// salvageUploadID reads the upload id out of a corrupt journal's first
// line, ignoring its checksum, so the upload it named can be aborted
// rather than left on S3, billed and named nowhere. It returns "" unless
// the header decodes and names exactly this journal's file, bucket and key:
// an id that cannot be tied to this upload may be another host's live one.
func salvageUploadID(data []byte, id Identity) string {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	i := bytes.Index(line, []byte(headerField))
	if !bytes.HasPrefix(line, []byte(crcPrefix)) || i < 0 || !bytes.HasSuffix(line, []byte("}")) {
		return ""
	}
	var h wireHeader
	if err := json.Unmarshal(line[i+len(headerField):len(line)-1], &h); err != nil {
		return ""
	}
	if h.Source != id.Source || h.Bucket != id.Bucket || h.Key != id.Key || !plausibleUploadID(h.UploadID) {
		return ""
	}
	return h.UploadID
}

// plausibleUploadID: S3 upload ids are long runs of URL-safe characters.
func plausibleUploadID(s string) bool {
	if len(s) < 8 || len(s) > 1024 {
		return false
	}
	for _, c := range s {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
