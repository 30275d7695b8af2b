package teststack

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
)

// newRequestID makes an id shaped like S3's x-amz-request-id (16 hex
// upper-case characters), so gate-made errors look like S3's to code that
// logs or parses them.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%X", b[:])
}

func newHostID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// s3Error is S3's REST error document.
type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

// writeS3Error answers as S3 does: XML body, request id headers. HEAD
// answers carry no body, as on S3.
func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	e := s3Error{Code: code, Message: msg, RequestID: newRequestID(), HostID: newHostID()}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("x-amz-request-id", e.RequestID)
	h.Set("x-amz-id-2", e.HostID)
	h.Set("Server", "AmazonS3")
	body, _ := xml.Marshal(e)
	body = append([]byte(xml.Header), body...)
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// writeKMSError answers as KMS does (JSON protocol: HTTP 400 with __type),
// which the Go SDK and botocore decode into an API error with that code.
func writeKMSError(w http.ResponseWriter, code, msg string) {
	id := newUUID()
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("x-amzn-RequestId", id)
	body, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(body)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
