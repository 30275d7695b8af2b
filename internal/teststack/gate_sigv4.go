package teststack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SigV4 in the gate. moto checks S3 signatures with botocore over the URL
// as werkzeug rebuilt it (an IRI: percent-escapes of UTF-8 and of most
// ASCII punctuation decoded again), not over the URI-encoded path and query
// the client signed, so a key with "+ ' \" é" or a prefix ending in "/"
// gets SignatureDoesNotMatch. The gate knows every user's secret: it checks
// the client's signature as S3 does (verifySigV4), then replaces it with
// the signature of the canonical request moto will compute (motoCanonical),
// so the request itself (path, query, headers, streamed body) goes to moto
// unchanged.

// sigV4Auth is a parsed Authorization header:
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex".
type sigV4Auth struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

const sigV4Algorithm = "AWS4-HMAC-SHA256"

func parseSigV4Auth(h string) (sigV4Auth, bool) {
	var a sigV4Auth
	rest, ok := strings.CutPrefix(h, sigV4Algorithm+" ")
	if !ok {
		return a, false
	}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Credential":
			p := strings.Split(v, "/")
			if len(p) != 5 || p[4] != "aws4_request" {
				return a, false
			}
			a.accessKey, a.date, a.region, a.service = p[0], p[1], p[2], p[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	return a, a.accessKey != "" && len(a.signedHeaders) > 0 && a.signature != ""
}

// sigV4Check is the outcome of checking one request's signature.
type sigV4Check struct {
	auth             sigV4Auth
	canonical        string // as S3 computes it
	stringToSign     string
	expected         string // S3's signature of the request
	payloadHash      string // x-amz-content-sha256
	motoSignature    string // what moto will accept
	motoCanonicalReq string
}

// checkSigV4 computes S3's and moto's signatures of r as signed by a user
// whose secret is secret.
func checkSigV4(r *http.Request, a sigV4Auth, secret string) sigV4Check {
	c := sigV4Check{auth: a, payloadHash: r.Header.Get("X-Amz-Content-Sha256")}
	amzDate := r.Header.Get("X-Amz-Date")
	scope := a.date + "/" + a.region + "/" + a.service + "/aws4_request"
	key := signingKey(secret, a.date, a.region, a.service)

	c.canonical = strings.Join([]string{
		r.Method,
		awsURIEncode(pathOrSlash(r.URL.Path), false),
		awsCanonicalQuery(r.URL.RawQuery),
		canonicalHeaders(r, a.signedHeaders, false),
		strings.Join(a.signedHeaders, ";"),
		c.payloadHash,
	}, "\n")
	c.stringToSign = sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256(c.canonical)
	c.expected = hex.EncodeToString(hmacSHA256(key, c.stringToSign))

	mh := motoSignedHeaders(r, a.signedHeaders)
	c.motoCanonicalReq = strings.Join([]string{
		r.Method,
		motoPath(r.URL.Path),
		motoQuery(r.URL.RawQuery),
		canonicalHeaders(r, mh, true),
		strings.Join(mh, ";"),
		c.payloadHash,
	}, "\n")
	motoSTS := sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256(c.motoCanonicalReq)
	c.motoSignature = hex.EncodeToString(hmacSHA256(key, motoSTS))
	return c
}

func pathOrSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// withSignature returns the Authorization header with its Signature
// replaced.
func withSignature(h, sig string) string {
	i := strings.Index(h, "Signature=")
	if i < 0 {
		return h
	}
	j := i + len("Signature=")
	k := strings.IndexAny(h[j:], ", ")
	if k < 0 {
		return h[:j] + sig
	}
	return h[:j] + sig + h[j+k:]
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func hexSHA256(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// awsURIEncode is SigV4's UriEncode: every byte but A-Z a-z 0-9 - _ . ~
// (and "/" unless encodeSlash) as %XY, upper case: Python's quote with
// "/" or nothing safe.
func awsURIEncode(s string, encodeSlash bool) string {
	if encodeSlash {
		return pyQuote(s, "")
	}
	return pyQuote(s, "/")
}

// queryPair is a name and a value of a query string.
type queryPair struct{ k, v string }

// sortedQuery joins pairs as name=value with "&", sorted by name, then
// value: both canonical forms (S3's and moto's) order their pairs so.
func sortedQuery(pairs []queryPair) string {
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// awsCanonicalQuery decodes each name and value, URI-encodes it again and
// sorts by name, then value: what S3 compares whatever escaping the client
// chose.
func awsCanonicalQuery(raw string) string {
	var pairs []queryPair
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		if k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, queryPair{awsURIEncode(unescapeOr(k), true), awsURIEncode(unescapeOr(v), true)})
	}
	return sortedQuery(pairs)
}

func unescapeOr(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// canonicalHeaders lists name:value lines for the given (lower-case)
// header names, each value trimmed with inner runs of spaces made one,
// repeated headers joined with ",". latin1 reads header bytes as moto does
// (werkzeug decodes headers as ISO-8859-1, botocore hashes them as UTF-8).
func canonicalHeaders(r *http.Request, names []string, latin1 bool) string {
	var b strings.Builder
	for _, n := range names {
		vals := headerValues(r, n)
		for i, v := range vals {
			if latin1 {
				v = latin1ToUTF8(v)
			}
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(n + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}

func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		return []string{r.Host}
	case "content-length":
		if v := r.Header.Values("Content-Length"); len(v) > 0 {
			return append([]string(nil), v...)
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return append([]string(nil), r.Header.Values(name)...)
}

func latin1ToUTF8(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			rs := make([]rune, len(s))
			for j := 0; j < len(s); j++ {
				rs[j] = rune(s[j])
			}
			return string(rs)
		}
	}
	return s
}

// botocoreUnsigned are headers botocore never signs, so moto leaves them
// out of the canonical request even when the client signed them.
var botocoreUnsigned = map[string]bool{"expect": true, "transfer-encoding": true, "user-agent": true, "x-amzn-trace-id": true}

// motoSignedHeaders is the client's SignedHeaders as moto's check sees
// them: those botocore would sign and moto receives.
func motoSignedHeaders(r *http.Request, signed []string) []string {
	var out []string
	for _, n := range signed {
		if botocoreUnsigned[n] || n != "host" && len(headerValues(r, n)) == 0 {
			continue
		}
		out = append(out, n)
	}
	return out
}

// Characters werkzeug's uri_to_iri keeps percent-encoded: controls,
// space, "%" and DEL always, plus "/?#" in the path and "&=+#" in the query.
const (
	iriAlwaysQuoted = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20%\x7f"
	iriPathQuoted   = iriAlwaysQuoted + "/?#"
	iriQueryQuoted  = iriAlwaysQuoted + "&=+#"
)

// motoPath is the canonical URI moto's signature check uses for a request
// whose decoded path is path (Go's r.URL.Path). moto_server (werkzeug)
// decodes the path, request.url quotes it again keeping
// "!$&'()*+,/:;=@%", turns the URL into an IRI (uri_to_iri decodes every
// escape but those of iriPathQuoted, and UTF-8 sequences), moto takes
// urlparse(url).path (which drops ";params" of the last segment), and
// botocore's S3 signer uses that string as it is.
func motoPath(path string) string {
	p := validUTF8(path)
	p = "/" + strings.TrimLeft(p, "/")
	p = pyQuote(p, "!$&'()*+,/:;=@%")
	p = iriUnquote(p, iriPathQuoted)
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		if j := strings.IndexByte(p[i:], ';'); j >= 0 {
			p = p[:i+j]
		}
	}
	return p
}

// motoQuery is the canonical query string moto's check uses: the raw query
// quoted keeping "!$&'()*+,/:;=?@%", turned into an IRI (iriQueryQuoted
// stay encoded), split on "&" and "=", and sorted, without encoding again.
func motoQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q := iriUnquote(pyQuote(raw, "!$&'()*+,/:;=?@%"), iriQueryQuoted)
	var pairs []queryPair
	for _, p := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(p, "=")
		pairs = append(pairs, queryPair{k, v})
	}
	return sortedQuery(pairs)
}

// pyQuote is Python's urllib.parse.quote(s, safe): bytes other than
// A-Z a-z 0-9 _ . - ~ and safe become %XY.
func pyQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (isUnreserved(c) || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// iriUnquote is werkzeug's _unquote_partial: runs of %XY escapes of a
// character in keep stay as they are; everything else is unquoted as
// UTF-8, bytes that are not valid UTF-8 being quoted again (upper case).
func iriUnquote(s, keep string) string {
	var out strings.Builder
	var seg strings.Builder // pending text to unquote
	flush := func() {
		out.WriteString(pyUnquoteUTF8(seg.String()))
		seg.Reset()
	}
	for i := 0; i < len(s); {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if v < 0x80 && strings.IndexByte(keep, byte(v)) >= 0 {
				flush()
				out.WriteString(s[i : i+3])
				i += 3
				continue
			}
		}
		seg.WriteByte(s[i])
		i++
	}
	flush()
	return out.String()
}

// pyUnquoteUTF8 is Python's unquote(s, "utf-8", errors) with werkzeug's
// error handler, which quotes undecodable bytes again.
func pyUnquoteUTF8(s string) string {
	var raw []byte
	for i := 0; i < len(s); {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			raw = append(raw, byte(v))
			i += 3
			continue
		}
		raw = append(raw, s[i])
		i++
	}
	if utf8.Valid(raw) {
		return string(raw)
	}
	var b strings.Builder
	for len(raw) > 0 {
		r, n := utf8.DecodeRune(raw)
		if r == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&b, "%%%02X", raw[0])
			raw = raw[1:]
			continue
		}
		b.Write(raw[:n])
		raw = raw[n:]
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// signatureMismatch is S3's 403 SignatureDoesNotMatch document.
type signatureMismatch struct {
	XMLName               struct{} `xml:"Error"`
	Code                  string   `xml:"Code"`
	Message               string   `xml:"Message"`
	AWSAccessKeyID        string   `xml:"AWSAccessKeyId"`
	StringToSign          string   `xml:"StringToSign"`
	SignatureProvided     string   `xml:"SignatureProvided"`
	StringToSignBytes     string   `xml:"StringToSignBytes"`
	CanonicalRequest      string   `xml:"CanonicalRequest"`
	CanonicalRequestBytes string   `xml:"CanonicalRequestBytes"`
	RequestID             string   `xml:"RequestId"`
	HostID                string   `xml:"HostId"`
}

func spacedHex(s string) string {
	h := hex.EncodeToString([]byte(s))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// payloadError is returned by a body whose bytes do not match what the
// request declared (x-amz-content-sha256, a checksum); the gate answers
// with it instead of forwarding moto's answer.
type payloadError struct {
	status        int
	code, message string
}

func (e *payloadError) Error() string { return e.code + ": " + e.message }

// sha256Body hashes a body as it streams and fails its last read when the
// hash differs from the signed one, so the forwarded request is cut short
// and moto never completes it.
// The transport sending a body of known length stops reading at that
// length, so the check runs there too (size), not only at EOF.
type sha256Body struct {
	rc      io.ReadCloser
	h       hash.Hash
	want    string
	size, n int64 // size < 0: unknown
	checked bool
}

func (b *sha256Body) Read(p []byte) (int, error) {
	if b.checked {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	b.h.Write(p[:n])
	b.n += int64(n)
	if errors.Is(err, io.EOF) || b.size >= 0 && b.n >= b.size {
		b.checked = true
		if err == nil {
			err = io.EOF
		}
		if got := hex.EncodeToString(b.h.Sum(nil)); got != b.want {
			// Withhold the last bytes: moto must not see a whole body.
			return 0, &payloadError{http.StatusBadRequest, "XAmzContentSHA256Mismatch",
				"The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
	}
	return n, err
}

func (b *sha256Body) Close() error { return b.rc.Close() }

// payloadMarkers are the x-amz-content-sha256 values S3 accepts besides a
// hex SHA-256. The chunk signatures of the signed STREAMING ones are not
// checked (moto does not check them either).
var payloadMarkers = map[string]bool{
	"UNSIGNED-PAYLOAD":                                 true,
	"STREAMING-UNSIGNED-PAYLOAD-TRAILER":               true,
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD":               true,
	"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":       true,
	"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD":         true,
	"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER": true,
}

// isHexSHA256 reports whether v is a hex SHA-256 (a signed payload), not one
// of the UNSIGNED-PAYLOAD or STREAMING-* markers.
func isHexSHA256(v string) bool {
	if len(v) != 64 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// sigV4Rules checks the signature of an S3 request signed in the
// Authorization header by a user the gate knows, as S3 does, and signs it
// again for moto. It reports whether the request may go on; if not, it has
// answered. Presigned requests, unsigned ones and unknown access keys go
// to moto as they are (moto answers those).
func (g *gate) sigV4Rules(w http.ResponseWriter, r *http.Request, q request, user User, known bool) bool {
	h := r.Header.Get("Authorization")
	if !known || h == "" {
		return true
	}
	a, ok := parseSigV4Auth(h)
	if !ok || r.Header.Get("X-Amz-Date") == "" {
		return true
	}
	ph := r.Header.Get("X-Amz-Content-Sha256")
	if ph == "" {
		drain(r)
		writeS3Error(w, r, http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
		return false
	}
	if !isHexSHA256(ph) && !payloadMarkers[ph] {
		drain(r)
		writeS3Error(w, r, http.StatusBadRequest, "InvalidArgument",
			"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
		return false
	}
	c := checkSigV4(r, a, user.SecretAccessKey)
	if !hmac.Equal([]byte(c.expected), []byte(a.signature)) {
		g.log.Printf("%s %s: SignatureDoesNotMatch; canonical request S3 computes:\n%s", user.Name, q.op, c.canonical)
		drain(r)
		writeSignatureMismatch(w, r, a, c)
		return false
	}
	if c.motoSignature != a.signature {
		r.Header.Set("Authorization", withSignature(h, c.motoSignature))
	}
	if isHexSHA256(ph) && r.Body != nil && r.Body != http.NoBody {
		r.Body = &sha256Body{rc: r.Body, h: sha256.New(), want: strings.ToLower(ph), size: r.ContentLength}
	} else if isHexSHA256(ph) && !strings.EqualFold(ph, hexSHA256("")) {
		writeS3Error(w, r, http.StatusBadRequest, "XAmzContentSHA256Mismatch",
			"The provided 'x-amz-content-sha256' header does not match what was computed.")
		return false
	}
	return true
}

func writeSignatureMismatch(w http.ResponseWriter, r *http.Request, a sigV4Auth, c sigV4Check) {
	e := signatureMismatch{
		Code:                  "SignatureDoesNotMatch",
		Message:               "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		AWSAccessKeyID:        a.accessKey,
		StringToSign:          c.stringToSign,
		SignatureProvided:     a.signature,
		StringToSignBytes:     spacedHex(c.stringToSign),
		CanonicalRequest:      c.canonical,
		CanonicalRequestBytes: spacedHex(c.canonical),
		RequestID:             newRequestID(),
		HostID:                newHostID(),
	}
	body, _ := xml.Marshal(e)
	body = append([]byte(xml.Header), body...)
	hd := w.Header()
	hd.Set("Content-Type", "application/xml")
	hd.Set("x-amz-request-id", e.RequestID)
	hd.Set("x-amz-id-2", e.HostID)
	hd.Set("Server", "AmazonS3")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusForbidden)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// validUTF8 replaces each byte that is not part of valid UTF-8 with U+FFFD,
// as Python's decode(errors="replace") does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // range yields RuneError for each invalid byte
	}
	return b.String()
}
