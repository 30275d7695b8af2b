package teststack

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ClockSkew makes the gate judge request times by a clock Offset away from
// this machine's, as AWS judges them by its own: a request signed more
// than 15 minutes off that clock is refused as each service refuses it
// (S3: 403 RequestTimeTooSkewed; KMS: 400 InvalidSignatureException
// "Signature expired"; STS: 403 SignatureDoesNotMatch "Signature
// expired"). With ShowDate every answer's Date header tells the gate's
// clock, from which the SDK corrects its own (its clock skew correction);
// without it the Date header keeps this machine's time, so the SDK sees
// nothing to correct, as behind a proxy that answers with its own Date,
// and the refusal stands. The Admin's requests are not judged (tests look
// at the stack meanwhile). The zero value is no skew.
type ClockSkew struct {
	Offset   time.Duration
	ShowDate bool
}

// maxSkew is how far AWS lets a signature's time be from its own.
const maxSkew = 15 * time.Minute

type skewState struct {
	mu sync.Mutex
	c  ClockSkew
}

func (s *skewState) get() ClockSkew {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}

func (s *skewState) set(c ClockSkew) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c = c
}

// SetClockSkew sets the gate's clock offset; ClockSkew{} turns it off.
func (s *Stack) SetClockSkew(c ClockSkew) { s.gate.skew.set(c) }

// skewRules refuses a request signed too far from the gate's clock. It
// reports whether the request may go on; if not, it has answered. Requests
// without a signing time (unsigned, moto-api) are not judged, nor are the
// Admin's, so a test can look at the stack while its clock is off.
func (g *gate) skewRules(w http.ResponseWriter, r *http.Request, q request, user User) bool {
	c := g.skew.get()
	if c.Offset == 0 || g.isAdmin(user) {
		return true
	}
	now := time.Now().Add(c.Offset).UTC()
	if c.ShowDate {
		w.Header().Set("Date", now.Format(http.TimeFormat))
	}
	stamp := r.Header.Get("X-Amz-Date")
	if stamp == "" {
		stamp = r.URL.Query().Get("X-Amz-Date")
	}
	signed, err := time.Parse("20060102T150405Z", stamp)
	if err != nil || q.op == "moto-api" {
		return true
	}
	if d := signed.Sub(now); d <= maxSkew && d >= -maxSkew {
		return true
	}
	drain(r)
	g.log.Printf("%s %s: refused: signed at %s, the gate's clock says %s", q.accessKey, q.op, stamp, now.Format("20060102T150405Z"))
	msg := fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)", stamp,
		now.Add(-maxSkew).Format("20060102T150405Z"), now.Format("20060102T150405Z"))
	if signed.After(now) {
		msg = fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)", stamp,
			now.Add(maxSkew).Format("20060102T150405Z"), now.Format("20060102T150405Z"))
	}
	switch q.service {
	case "kms":
		writeKMSError(w, "InvalidSignatureException", msg)
	case "sts", "iam":
		writeQueryError(w, http.StatusForbidden, "SignatureDoesNotMatch", msg)
	default:
		writeS3Error(w, r, http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	return false
}

// skewDate keeps a forwarded answer's Date on the gate's clock when it
// shows it (moto answers with this machine's time).
func (g *gate) skewDate(resp *http.Response) {
	if c := g.skew.get(); c.Offset != 0 && c.ShowDate {
		resp.Header.Del("Date") // the handler already set the gate's
	}
}

// writeQueryError answers as the query-protocol services (STS, IAM) do.
func writeQueryError(w http.ResponseWriter, status int, code, msg string) {
	type errBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	doc := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Error     errBody  `xml:"Error"`
		RequestID string   `xml:"RequestId"`
	}{Error: errBody{"Sender", code, msg}, RequestID: newUUID()}
	body, _ := xml.Marshal(doc)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (g *gate) isAdmin(u User) bool {
	g.kms.mu.Lock()
	defer g.kms.mu.Unlock()
	return u.AccessKeyID != "" && u.AccessKeyID == g.kms.admin.AccessKeyID
}
