package teststack

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/crc64nvme"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// What the gate keeps to answer as S3 where moto does not: the time each
// multipart upload started (moto reports 2010-11-10 for all), and
// CRC64NVME checksums computed from the bytes that went through (moto has
// no CRC64NVME: it reports a CRC32 under that name, returns no part
// checksums and accepts wrong ones). All in memory, for the gate's life.
type s3State struct {
	mu      sync.Mutex
	uploads map[string]*mpUpload // by upload id
	objects map[string][]byte    // bucket/key -> full-object CRC64NVME
}

type mpUpload struct {
	bucket, key string
	initiated   time.Time
	crc         bool              // a CRC64NVME (FULL_OBJECT) upload: asked for, or S3's default
	parts       map[int32]partSum // by part number
}

type partSum struct {
	sum  []byte // nil: not known (UploadPartCopy)
	size int64
}

func newS3State() *s3State {
	return &s3State{uploads: map[string]*mpUpload{}, objects: map[string][]byte{}}
}

func (s *s3State) upload(id string) (*mpUpload, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[id]
	return u, ok
}

func objKey(bucket, key string) string { return bucket + "/" + key }

// s3StateRequest prepares what modifyResponse needs and checks what S3
// checks before forwarding: it wraps PutObject and UploadPart bodies to
// compute their CRC64NVME as they stream (refusing a declared one that
// differs, 400 BadDigest), and checks CompleteMultipartUpload's part and
// object checksums. It reports whether the request may go on; if not, it
// has answered.
func (g *gate) s3StateRequest(w http.ResponseWriter, r *http.Request, q request, st *reqState) bool {
	switch q.op {
	case "PutObject":
		st.crc = newCRCBody(r)
		r.Body = st.crc
	case "UploadPart":
		if u, ok := g.state.upload(q.uploadID); ok && u.crc {
			st.crc = newCRCBody(r)
			r.Body = st.crc
		}
	case "CompleteMultipartUpload":
		return g.checkComplete(w, r, q, st)
	}
	return true
}

// crcBody passes a request body through unchanged while computing the
// CRC64NVME of its payload: the body itself, or the data of its
// aws-chunked encoding, whose trailer may carry the declared checksum.
// A declared checksum that differs fails the last read, withholding the
// last bytes so moto never sees a whole body.
type crcBody struct {
	rc       io.ReadCloser
	h        hash.Hash64
	size, n  int64 // size < 0: unknown
	chunked  bool
	dec      chunkDecoder
	declared string // x-amz-checksum-crc64nvme, header or trailer
	other    bool   // another algorithm's checksum was declared
	done     bool
	sum      []byte
	payload  int64
}

func newCRCBody(r *http.Request) *crcBody {
	b := &crcBody{rc: r.Body, h: crc64nvme.New(), size: r.ContentLength}
	if b.rc == nil {
		b.rc = http.NoBody
	}
	ph := r.Header.Get("X-Amz-Content-Sha256")
	b.chunked = strings.HasPrefix(ph, "STREAMING-") || strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked")
	b.declared = r.Header.Get("X-Amz-Checksum-Crc64nvme")
	for _, a := range []string{"Crc32", "Crc32c", "Sha1", "Sha256"} {
		if r.Header.Get("X-Amz-Checksum-"+a) != "" {
			b.other = true
		}
	}
	if alg := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); alg != "" && !strings.EqualFold(alg, "CRC64NVME") {
		b.other = true
	}
	if t := r.Header.Get("X-Amz-Trailer"); t != "" && !strings.EqualFold(t, "x-amz-checksum-crc64nvme") {
		b.other = true
	}
	return b
}

func (b *crcBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if b.chunked {
		b.dec.feed(p[:n], b.h)
	} else {
		b.h.Write(p[:n])
	}
	if err == nil && (b.size < 0 || b.n < b.size) {
		return n, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, err
	}
	b.finish()
	if b.declared != "" && b.declared != base64.StdEncoding.EncodeToString(b.sum) {
		return 0, &payloadError{http.StatusBadRequest, "BadDigest", "The CRC64NVME you specified did not match the calculated checksum."}
	}
	return n, io.EOF
}

func (b *crcBody) finish() {
	b.done = true
	b.sum = b.h.Sum(nil)
	b.payload = b.n
	if b.chunked {
		b.payload = b.dec.data
		if v := b.dec.trailers["x-amz-checksum-crc64nvme"]; v != "" {
			b.declared = v
		}
	}
}

func (b *crcBody) Close() error { return b.rc.Close() }

// result is the payload's checksum and size, once the whole body was read.
func (b *crcBody) result() (sum []byte, size int64, ok bool) {
	return b.sum, b.payload, b.done
}

// chunkDecoder follows the aws-chunked framing ("hex-size[;ext]\r\n data
// \r\n ... 0\r\n trailers \r\n") of a body fed to it in pieces, hashing the
// data and collecting the trailers.
type chunkDecoder struct {
	line     []byte
	left     int64 // data bytes left in the current chunk
	crlf     int   // CRLF bytes left after a chunk's data
	final    bool  // past the 0-size chunk: reading trailers
	data     int64
	trailers map[string]string
}

func (d *chunkDecoder) feed(p []byte, h hash.Hash) {
	for len(p) > 0 {
		switch {
		case d.left > 0:
			n := int64(len(p))
			if n > d.left {
				n = d.left
			}
			h.Write(p[:n])
			d.data += n
			d.left -= n
			p = p[n:]
			if d.left == 0 {
				d.crlf = 2
			}
		case d.crlf > 0:
			d.crlf--
			p = p[1:]
		default:
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				d.line = append(d.line, p...)
				return
			}
			d.line = append(d.line, p[:i]...)
			p = p[i+1:]
			d.endLine(strings.TrimRight(string(d.line), "\r"))
			d.line = d.line[:0]
		}
	}
}

func (d *chunkDecoder) endLine(l string) {
	if d.final {
		if k, v, ok := strings.Cut(l, ":"); ok {
			if d.trailers == nil {
				d.trailers = map[string]string{}
			}
			d.trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		return
	}
	sz, _, _ := strings.Cut(l, ";")
	n, err := strconv.ParseInt(strings.TrimSpace(sz), 16, 64)
	if err != nil {
		return
	}
	if n == 0 {
		d.final = true
		return
	}
	d.left = n
}

// completeRequest is the body of CompleteMultipartUpload.
type completeRequest struct {
	Parts []struct {
		PartNumber        int32  `xml:"PartNumber"`
		ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
	} `xml:"Part"`
}

// checkComplete does what S3 does with the checksums of a CRC64NVME
// upload's CompleteMultipartUpload: a part checksum that is not the one
// the part was stored with is refused (400 InvalidPart), the parts' CRCs
// are combined into the object's, and an object checksum stated in the
// request that differs is refused (400 BadDigest). modifyResponse returns
// the object checksum and remembers it.
func (g *gate) checkComplete(w http.ResponseWriter, r *http.Request, q request, st *reqState) bool {
	u, ok := g.state.upload(q.uploadID)
	if !ok || !u.crc || r.Body == nil {
		return true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		var pe *payloadError
		if errors.As(err, &pe) {
			writeS3Error(w, r, pe.status, pe.code, pe.message)
			return false
		}
		writeS3Error(w, r, http.StatusBadRequest, "IncompleteBody", "teststack gate: reading the body: "+err.Error())
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var cr completeRequest
	if xml.Unmarshal(body, &cr) != nil {
		return true // moto answers MalformedXML
	}
	g.state.mu.Lock()
	parts := make([]checksum.Part, 0, len(cr.Parts))
	known := true
	for _, p := range cr.Parts {
		ps, ok := u.parts[p.PartNumber]
		if !ok || ps.sum == nil {
			known = false
			continue
		}
		if p.ChecksumCRC64NVME != "" && p.ChecksumCRC64NVME != base64.StdEncoding.EncodeToString(ps.sum) {
			g.state.mu.Unlock()
			g.log.Printf("CompleteMultipartUpload %s: part %d checksum %s, stored with %s", q.uploadID, p.PartNumber,
				p.ChecksumCRC64NVME, base64.StdEncoding.EncodeToString(ps.sum))
			writeS3Error(w, r, http.StatusBadRequest, "InvalidPart",
				"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.")
			return false
		}
		parts = append(parts, checksum.Part{Sum: ps.sum, Size: ps.size})
	}
	g.state.mu.Unlock()
	if !known {
		return true // a copied or unknown part: moto's answer stands
	}
	full, err := checksum.FullObject(checksum.CRC64NVME, parts)
	if err != nil {
		return true
	}
	v := base64.StdEncoding.EncodeToString(full)
	if stated := r.Header.Get("X-Amz-Checksum-Crc64nvme"); stated != "" && stated != v {
		g.log.Printf("CompleteMultipartUpload %s: stated object checksum %s, parts combine to %s", q.uploadID, stated, v)
		writeS3Error(w, r, http.StatusBadRequest, "BadDigest",
			fmt.Sprintf("The crc64nvme you specified did not match the calculated checksum. Calculated: %s", v))
		return false
	}
	st.fullCRC = full
	return true
}

// s3StateResponse records and rewrites moto's successful answers: upload
// start times, part and object checksums.
func (g *gate) s3StateResponse(resp *http.Response, st *reqState) error {
	q := st.q
	s := g.state
	req := resp.Request
	switch q.op {
	case "CreateMultipartUpload":
		id := st.uploadID
		if id == "" {
			return nil
		}
		alg := req.Header.Get("X-Amz-Checksum-Algorithm")
		s.mu.Lock()
		s.uploads[id] = &mpUpload{bucket: q.bucket, key: q.key, initiated: st.start,
			crc: alg == "" || strings.EqualFold(alg, "CRC64NVME"), parts: map[int32]partSum{}}
		s.mu.Unlock()
	case "UploadPart", "UploadPartCopy":
		n, _ := strconv.ParseInt(req.URL.Query().Get("partNumber"), 10, 32)
		s.mu.Lock()
		u := s.uploads[q.uploadID]
		if u == nil || !u.crc {
			s.mu.Unlock()
			return nil
		}
		var ps partSum
		if st.crc != nil {
			ps.sum, ps.size, _ = st.crc.result()
		}
		u.parts[int32(n)] = ps
		s.mu.Unlock()
		if ps.sum != nil {
			resp.Header.Set("X-Amz-Checksum-Crc64nvme", base64.StdEncoding.EncodeToString(ps.sum))
		}
	case "ListParts":
		u, ok := s.upload(q.uploadID)
		if !ok || !u.crc {
			return nil
		}
		return rewriteBody(resp, func(doc string) string {
			s.mu.Lock()
			defer s.mu.Unlock()
			doc = eachElement(doc, "Part", func(p string) string {
				n, _ := strconv.ParseInt(xmlElement(p, "PartNumber"), 10, 32)
				ps := u.parts[int32(n)]
				if ps.sum == nil || strings.Contains(p, "<ChecksumCRC64NVME>") {
					return p
				}
				return strings.Replace(p, "</Part>", "<ChecksumCRC64NVME>"+base64.StdEncoding.EncodeToString(ps.sum)+"</ChecksumCRC64NVME></Part>", 1)
			})
			if !strings.Contains(doc, "<ChecksumAlgorithm>") {
				doc = strings.Replace(doc, "</IsTruncated>", "</IsTruncated><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType>", 1)
			}
			return doc
		})
	case "ListMultipartUploads":
		return rewriteBody(resp, func(doc string) string {
			return eachElement(doc, "Upload", func(p string) string {
				u, ok := s.upload(xmlElement(p, "UploadId"))
				old := xmlElement(p, "Initiated")
				if !ok || old == "" {
					return p
				}
				return strings.Replace(p, "<Initiated>"+old+"</Initiated>", "<Initiated>"+u.initiated.UTC().Format("2006-01-02T15:04:05.000Z")+"</Initiated>", 1)
			})
		})
	case "AbortMultipartUpload":
		s.mu.Lock()
		delete(s.uploads, q.uploadID)
		s.mu.Unlock()
	case "CompleteMultipartUpload":
		s.mu.Lock()
		delete(s.uploads, q.uploadID)
		if st.fullCRC == nil {
			delete(s.objects, objKey(q.bucket, q.key))
			s.mu.Unlock()
			return nil
		}
		s.objects[objKey(q.bucket, q.key)] = st.fullCRC
		s.mu.Unlock()
		v := base64.StdEncoding.EncodeToString(st.fullCRC)
		return rewriteBody(resp, func(doc string) string {
			if strings.Contains(doc, "<ChecksumCRC64NVME>") {
				return doc
			}
			i := strings.LastIndex(doc, "</")
			if i < 0 {
				return doc
			}
			return doc[:i] + "<ChecksumCRC64NVME>" + v + "</ChecksumCRC64NVME><ChecksumType>FULL_OBJECT</ChecksumType>" + doc[i:]
		})
	case "PutObject":
		if st.crc == nil {
			return nil
		}
		sum, _, ok := st.crc.result()
		s.mu.Lock()
		if ok && !st.crc.other {
			s.objects[objKey(q.bucket, q.key)] = sum
		} else {
			delete(s.objects, objKey(q.bucket, q.key))
		}
		s.mu.Unlock()
		if ok && !st.crc.other && (st.crc.declared != "" || resp.Header.Get("X-Amz-Checksum-Crc64nvme") != "") {
			resp.Header.Set("X-Amz-Checksum-Crc64nvme", base64.StdEncoding.EncodeToString(sum))
			resp.Header.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
		}
	case "CopyObject":
		src := req.Header.Get("X-Amz-Copy-Source")
		if i := strings.IndexByte(src, '?'); i >= 0 {
			src = src[:i]
		}
		if u, err := url.PathUnescape(strings.TrimPrefix(src, "/")); err == nil {
			src = u
		}
		s.mu.Lock()
		if v, ok := s.objects[src]; ok && req.Header.Get("X-Amz-Checksum-Algorithm") == "" {
			s.objects[objKey(q.bucket, q.key)] = v
		} else {
			delete(s.objects, objKey(q.bucket, q.key))
		}
		s.mu.Unlock()
	case "DeleteObject":
		s.mu.Lock()
		delete(s.objects, objKey(q.bucket, q.key))
		s.mu.Unlock()
	case "HeadObject", "GetObject":
		s.mu.Lock()
		sum, ok := s.objects[objKey(q.bucket, q.key)]
		s.mu.Unlock()
		if !ok {
			return nil
		}
		h := resp.Header
		for _, a := range []string{"Crc32", "Crc32c", "Sha1", "Sha256", "Crc64nvme"} {
			h.Del("X-Amz-Checksum-" + a)
		}
		h.Del("X-Amz-Checksum-Type")
		whole := resp.StatusCode == http.StatusOK && req.Header.Get("Range") == "" && req.URL.Query().Get("partNumber") == ""
		if whole && strings.EqualFold(req.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
			h.Set("X-Amz-Checksum-Crc64nvme", base64.StdEncoding.EncodeToString(sum))
			h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
		}
	}
	return nil
}

// rewriteBody replaces a small XML answer's body with f(body).
func rewriteBody(resp *http.Response, f func(string) string) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	resp.Body.Close()
	if err != nil {
		return err
	}
	nb := f(string(b))
	resp.Body = io.NopCloser(strings.NewReader(nb))
	resp.ContentLength = int64(len(nb))
	resp.Header.Set("Content-Length", strconv.Itoa(len(nb)))
	return nil
}

// eachElement applies f to every <name>...</name> of doc (not nested).
func eachElement(doc, name string, f func(string) string) string {
	open, end := "<"+name+">", "</"+name+">"
	var b strings.Builder
	for {
		i := strings.Index(doc, open)
		if i < 0 {
			break
		}
		j := strings.Index(doc[i:], end)
		if j < 0 {
			break
		}
		j += i + len(end)
		b.WriteString(doc[:i])
		b.WriteString(f(doc[i:j]))
		doc = doc[j:]
	}
	b.WriteString(doc)
	return b.String()
}
