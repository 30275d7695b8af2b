// Command sink is a client-bound S3 target for the benchmark: a TLS server
// that speaks just enough of S3 (path-style, no authentication) for
// multipart and single uploads, reads and discards every body, and checks
// the checksum the client sent (header or aws-chunked trailer). It keeps no
// data, so the server costs as little CPU as possible and the client alone
// sets the pace.
//
// GET /__sink/stats returns counters as JSON (requests per operation, body
// bytes read, checksum failures); POST /__sink/reset zeroes them. The bench
// uses them to count what a rerun sends and what preflight asks.
package main

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	cert := flag.String("cert", "", "TLS certificate (PEM)")
	key := flag.String("key", "", "TLS key (PEM)")
	portFile := flag.String("port-file", "", "write the chosen port here once listening")
	flag.Parse()
	if *cert == "" || *key == "" {
		log.Fatal("sink: -cert and -key are required")
	}
	kp, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		log.Fatalf("sink: %v", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("sink: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
			log.Fatalf("sink: %v", err)
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			log.Fatalf("sink: %v", err)
		}
	}
	s := newSink()
	srv := &http.Server{
		Handler:           s,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		// HTTP/1.1 only, as S3: the SDK would otherwise negotiate HTTP/2
		// and send every part over one connection, which no S3 endpoint
		// does (and which the bare PUT floor does not do either).
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Printf("sink listening on https://127.0.0.1:%d", port)
	if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("sink: %v", err)
	}
}

// part is what the sink remembers of an uploaded part: enough for
// ListParts and for the full-object checksum at Complete.
type part struct {
	Number   int32
	Size     int64
	ETag     string
	Algo     string // "" when the client sent no checksum
	Checksum []byte // raw
}

type mpu struct {
	bucket, key string
	algo        string // from CreateMultipartUpload's x-amz-checksum-algorithm
	ctype       string // COMPOSITE or FULL_OBJECT
	mu          sync.Mutex
	parts       map[int32]part
}

type object struct {
	size int64
	etag string
}

type sink struct {
	mu      sync.Mutex
	uploads map[string]*mpu
	objects map[string]object

	requests  sync.Map     // op -> *atomic.Int64
	bodyBytes atomic.Int64 // every request body
	dataBytes atomic.Int64 // PutObject and UploadPart payloads
	badSums   atomic.Int64
	checked   atomic.Int64
}

func newSink() *sink {
	return &sink{uploads: map[string]*mpu{}, objects: map[string]object{}}
}

func (s *sink) count(op string) {
	v, _ := s.requests.LoadOrStore(op, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/__sink/") {
		s.admin(w, r)
		return
	}
	q := r.URL.Query()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		s.count("CreateMultipartUpload")
		s.create(w, r, bucket, key)
	case r.Method == http.MethodPut && q.Has("uploadId") && q.Has("partNumber"):
		s.count("UploadPart")
		s.uploadPart(w, r, q.Get("uploadId"), q.Get("partNumber"))
	case r.Method == http.MethodPost && key != "" && q.Has("uploadId"):
		s.count("CompleteMultipartUpload")
		s.complete(w, r, bucket, key, q.Get("uploadId"))
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		s.count("AbortMultipartUpload")
		s.mu.Lock()
		delete(s.uploads, q.Get("uploadId"))
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && q.Has("uploadId"):
		s.count("ListParts")
		s.listParts(w, bucket, key, q.Get("uploadId"))
	case r.Method == http.MethodPut && key != "":
		s.count("PutObject")
		s.put(w, r, bucket, key)
	case r.Method == http.MethodHead && key != "":
		s.count("HeadObject")
		s.head(w, bucket, key)
	case r.Method == http.MethodGet && key == "" && q.Has("uploads"):
		s.count("ListMultipartUploads")
		s.listUploads(w, bucket, q.Get("prefix"))
	case r.Method == http.MethodGet && key == "" && q.Has("encryption"):
		s.count("GetBucketEncryption")
		s.s3Error(w, http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found")
	case r.Method == http.MethodGet && key == "" && q.Has("lifecycle"):
		s.count("GetBucketLifecycleConfiguration")
		s.s3Error(w, http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	case r.Method == http.MethodGet && key == "" && q.Has("location"):
		s.count("GetBucketLocation")
		writeXML(w, locationResult{})
	case r.Method == http.MethodPost && bucket == "":
		s.sts(w, r)
	case r.Method == http.MethodHead:
		s.count("HeadBucket")
		w.Header().Set("x-amz-bucket-region", "us-east-1")
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodDelete && key != "":
		s.count("DeleteObject")
		s.mu.Lock()
		delete(s.objects, bucket+"/"+key)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		s.count("Other")
		n, _ := io.Copy(io.Discard, r.Body)
		s.bodyBytes.Add(n)
		s.s3Error(w, http.StatusNotImplemented, "NotImplemented", "the bench sink does not implement "+r.Method+" "+r.URL.RawQuery)
	}
}

func (s *sink) admin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/__sink/stats":
		st := map[string]any{}
		ops := map[string]int64{}
		var total int64
		s.requests.Range(func(k, v any) bool {
			n := v.(*atomic.Int64).Load()
			ops[k.(string)] = n
			total += n
			return true
		})
		st["requests"] = total
		st["ops"] = ops
		st["body_bytes"] = s.bodyBytes.Load()
		st["data_bytes"] = s.dataBytes.Load()
		var stored int64
		s.mu.Lock()
		for _, u := range s.uploads {
			u.mu.Lock()
			for _, p := range u.parts {
				stored += p.Size
			}
			u.mu.Unlock()
		}
		s.mu.Unlock()
		st["stored_part_bytes"] = stored
		st["checksums_checked"] = s.checked.Load()
		st["checksum_failures"] = s.badSums.Load()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	case "/__sink/reset":
		// ?counters=1 keeps uploads and objects (a resumed upload needs
		// its parts) and zeroes only the counters.
		s.requests.Range(func(k, v any) bool { v.(*atomic.Int64).Store(0); return true })
		s.bodyBytes.Store(0)
		s.dataBytes.Store(0)
		s.badSums.Store(0)
		s.checked.Store(0)
		if r.URL.Query().Get("counters") != "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.mu.Lock()
		s.uploads = map[string]*mpu{}
		s.objects = map[string]object{}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

type s3ErrorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	RequestID string `xml:"RequestId"`
}

func (s *sink) s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(s3ErrorBody{Code: code, Message: msg, RequestID: "sink"})
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(v)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string
	Key      string
	UploadID string `xml:"UploadId"`
}

func (s *sink) create(w http.ResponseWriter, r *http.Request, bucket, key string) {
	_, _ = io.Copy(io.Discard, r.Body)
	algo := strings.ToUpper(r.Header.Get("x-amz-checksum-algorithm"))
	ctype := strings.ToUpper(r.Header.Get("x-amz-checksum-type"))
	if ctype == "" && algo != "" {
		ctype = "COMPOSITE"
		if algo == "CRC64NVME" {
			ctype = "FULL_OBJECT"
		}
	}
	u := &mpu{bucket: bucket, key: key, algo: algo, ctype: ctype, parts: map[int32]part{}}
	id := newID()
	s.mu.Lock()
	s.uploads[id] = u
	s.mu.Unlock()
	if algo != "" {
		w.Header().Set("x-amz-checksum-algorithm", algo)
		w.Header().Set("x-amz-checksum-type", ctype)
	}
	writeXML(w, initiateResult{NS: s3NS, Bucket: bucket, Key: key, UploadID: id})
}

// readBody reads and discards a request body, decoding aws-chunked framing,
// and checks the checksum the client sent in a header or a trailer. It
// returns the payload length, the algorithm and raw checksum (computed),
// and the MD5-free ETag the sink answers with.
func (s *sink) readBody(r *http.Request) (n int64, algo string, sum []byte, err error) {
	algo, want := checksumHeader(r.Header)
	trailerAlgo := ""
	if t := r.Header.Get("x-amz-trailer"); t != "" {
		trailerAlgo = algoOfHeader(strings.TrimSpace(t))
	}
	if algo == "" {
		algo = trailerAlgo
	}
	var h hash.Hash
	if algo != "" {
		h = newHash(algo)
	}
	dst := io.Writer(io.Discard)
	if h != nil {
		dst = h
	}
	chunked := strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") ||
		strings.HasPrefix(r.Header.Get("x-amz-content-sha256"), "STREAMING-")
	var trailers map[string]string
	if chunked {
		n, trailers, err = decodeChunked(r.Body, dst)
	} else {
		n, err = copyBuf(dst, r.Body)
	}
	s.bodyBytes.Add(n)
	s.dataBytes.Add(n)
	if err != nil {
		return n, "", nil, err
	}
	if h == nil {
		return n, "", nil, nil
	}
	if want == "" && trailers != nil {
		want = trailers["x-amz-checksum-"+strings.ToLower(algo)]
	}
	sum = h.Sum(nil)
	if want != "" {
		s.checked.Add(1)
		if got := base64.StdEncoding.EncodeToString(sum); got != want {
			s.badSums.Add(1)
			return n, algo, sum, &badDigest{algo: algo, want: want, got: got}
		}
	}
	return n, algo, sum, nil
}

type badDigest struct{ algo, want, got string }

func (e *badDigest) Error() string {
	return fmt.Sprintf("the %s you specified (%s) did not match the calculated checksum (%s)", e.algo, e.want, e.got)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func copyBuf(dst io.Writer, src io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	return io.CopyBuffer(onlyWriter{dst}, onlyReader{src}, *bp)
}

// onlyWriter and onlyReader hide ReadFrom/WriteTo so CopyBuffer uses our
// large buffer.
type onlyWriter struct{ io.Writer }
type onlyReader struct{ io.Reader }

// decodeChunked decodes an aws-chunked body ("hex[;ext]\r\n" data "\r\n" ...
// "0\r\n" trailers "\r\n"), writing the payload to dst.
func decodeChunked(body io.Reader, dst io.Writer) (int64, map[string]string, error) {
	br := bufio.NewReaderSize(body, 64<<10)
	var total int64
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return total, nil, fmt.Errorf("aws-chunked: chunk header: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		sizeHex, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeHex), 16, 64)
		if err != nil {
			return total, nil, fmt.Errorf("aws-chunked: chunk size %q: %w", line, err)
		}
		if size == 0 {
			break
		}
		m, err := copyBuf(dst, io.LimitReader(br, size))
		total += m
		if err != nil {
			return total, nil, err
		}
		if m != size {
			return total, nil, fmt.Errorf("aws-chunked: short chunk: %d of %d", m, size)
		}
		if crlf, err := br.ReadString('\n'); err != nil || strings.TrimSpace(crlf) != "" {
			return total, nil, fmt.Errorf("aws-chunked: missing CRLF after chunk")
		}
	}
	trailers := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		if err != nil {
			break
		}
	}
	_, _ = io.Copy(io.Discard, br)
	return total, trailers, nil
}

func (s *sink) uploadPart(w http.ResponseWriter, r *http.Request, id, num string) {
	s.mu.Lock()
	u := s.uploads[id]
	s.mu.Unlock()
	pn, err := strconv.Atoi(num)
	if u == nil || err != nil || pn < 1 || pn > 10000 {
		_, _ = io.Copy(io.Discard, r.Body)
		s.s3Error(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist.")
		return
	}
	n, algo, sum, err := s.readBody(r)
	if err != nil {
		var bd *badDigest
		if errors.As(err, &bd) {
			s.s3Error(w, http.StatusBadRequest, "BadDigest", bd.Error())
			return
		}
		s.s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	etag := fakeETag(id, num, n)
	u.mu.Lock()
	u.parts[int32(pn)] = part{Number: int32(pn), Size: n, ETag: etag, Algo: algo, Checksum: sum}
	u.mu.Unlock()
	w.Header().Set("ETag", etag)
	if algo != "" {
		w.Header().Set("x-amz-checksum-"+strings.ToLower(algo), base64.StdEncoding.EncodeToString(sum))
	}
	w.WriteHeader(http.StatusOK)
}

// fakeETag is a stable quoted 32-hex ETag; the sink never hashes with MD5
// (that would cost more than the client it measures).
func fakeETag(parts ...any) string {
	h := md5.Sum([]byte(fmt.Sprint(parts...)))
	return `"` + hex.EncodeToString(h[:]) + `"`
}

type completeRequest struct {
	Parts []struct {
		PartNumber        int32
		ETag              string
		ChecksumCRC32     string
		ChecksumCRC32C    string
		ChecksumCRC64NVME string
	} `xml:"Part"`
}

type completeResult struct {
	XMLName           xml.Name `xml:"CompleteMultipartUploadResult"`
	NS                string   `xml:"xmlns,attr"`
	Location          string
	Bucket            string
	Key               string
	ETag              string
	ChecksumCRC32     string `xml:",omitempty"`
	ChecksumCRC32C    string `xml:",omitempty"`
	ChecksumCRC64NVME string `xml:",omitempty"`
	ChecksumType      string `xml:",omitempty"`
}

func (s *sink) complete(w http.ResponseWriter, r *http.Request, bucket, key, id string) {
	var req completeRequest
	if err := xml.NewDecoder(io.LimitReader(r.Body, 8<<20)).Decode(&req); err != nil {
		s.s3Error(w, http.StatusBadRequest, "MalformedXML", err.Error())
		return
	}
	s.mu.Lock()
	u := s.uploads[id]
	s.mu.Unlock()
	if u == nil {
		s.s3Error(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist.")
		return
	}
	u.mu.Lock()
	var parts []part
	var size int64
	for i, p := range req.Parts {
		got, ok := u.parts[p.PartNumber]
		if !ok || strings.Trim(got.ETag, `"`) != strings.Trim(p.ETag, `"`) || (i > 0 && p.PartNumber <= req.Parts[i-1].PartNumber) {
			u.mu.Unlock()
			s.s3Error(w, http.StatusBadRequest, "InvalidPart", fmt.Sprintf("part %d is missing or its ETag does not match", p.PartNumber))
			return
		}
		parts = append(parts, got)
		size += got.Size
	}
	u.mu.Unlock()
	etag := fmt.Sprintf(`"%s-%d"`, strings.Trim(fakeETag(id), `"`), len(parts))
	res := completeResult{NS: s3NS, Location: "https://sink/" + bucket + "/" + key, Bucket: bucket, Key: key, ETag: etag}
	if sum, algo, ctype := objectChecksum(u, parts); sum != "" {
		res.ChecksumType = ctype
		switch algo {
		case "CRC32":
			res.ChecksumCRC32 = sum
		case "CRC32C":
			res.ChecksumCRC32C = sum
		case "CRC64NVME":
			res.ChecksumCRC64NVME = sum
		}
	}
	s.mu.Lock()
	delete(s.uploads, id)
	s.objects[bucket+"/"+key] = object{size: size, etag: etag}
	s.mu.Unlock()
	writeXML(w, res)
}

// objectChecksum is S3's object-level checksum of a multipart upload:
// COMPOSITE is the checksum of the parts' raw checksums, "-N"; FULL_OBJECT
// is the CRC of the whole object, combined from the parts' CRCs.
func objectChecksum(u *mpu, parts []part) (sum, algo, ctype string) {
	if len(parts) == 0 {
		return "", "", ""
	}
	algo = parts[0].Algo
	for _, p := range parts {
		if p.Algo != algo || p.Checksum == nil {
			return "", "", "" // mixed or missing: say nothing rather than guess
		}
	}
	if algo == "" || (u.algo != "" && u.algo != algo) {
		return "", "", ""
	}
	ctype = u.ctype
	if ctype == "" {
		ctype = "COMPOSITE"
		if algo == "CRC64NVME" {
			ctype = "FULL_OBJECT"
		}
	}
	if ctype == "COMPOSITE" {
		h := newHash(algo)
		for _, p := range parts {
			h.Write(p.Checksum)
		}
		return fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(h.Sum(nil)), len(parts)), algo, ctype
	}
	c := crcParams(algo)
	var crc uint64
	for i, p := range parts {
		pc := beUint(p.Checksum)
		if i == 0 {
			crc = pc
			continue
		}
		crc = c.combine(crc, pc, p.Size)
	}
	return base64.StdEncoding.EncodeToString(putBE(crc, len(parts[0].Checksum))), algo, ctype
}

type listPartsResult struct {
	XMLName  xml.Name `xml:"ListPartsResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string
	Key      string
	UploadID string     `xml:"UploadId"`
	Parts    []listPart `xml:"Part"`
	MaxParts int
	// IsTruncated is always false: the sink lists every part at once.
	IsTruncated bool
}

type listPart struct {
	PartNumber        int32
	ETag              string
	Size              int64
	LastModified      string
	ChecksumCRC32     string `xml:",omitempty"`
	ChecksumCRC32C    string `xml:",omitempty"`
	ChecksumCRC64NVME string `xml:",omitempty"`
}

func (s *sink) listParts(w http.ResponseWriter, bucket, key, id string) {
	s.mu.Lock()
	u := s.uploads[id]
	s.mu.Unlock()
	if u == nil {
		s.s3Error(w, http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist.")
		return
	}
	res := listPartsResult{NS: s3NS, Bucket: bucket, Key: key, UploadID: id, MaxParts: 10000}
	u.mu.Lock()
	for _, p := range u.parts {
		lp := listPart{PartNumber: p.Number, ETag: p.ETag, Size: p.Size, LastModified: time.Now().UTC().Format(time.RFC3339)}
		sum := base64.StdEncoding.EncodeToString(p.Checksum)
		switch p.Algo {
		case "CRC32":
			lp.ChecksumCRC32 = sum
		case "CRC32C":
			lp.ChecksumCRC32C = sum
		case "CRC64NVME":
			lp.ChecksumCRC64NVME = sum
		}
		res.Parts = append(res.Parts, lp)
	}
	u.mu.Unlock()
	sort.Slice(res.Parts, func(i, j int) bool { return res.Parts[i].PartNumber < res.Parts[j].PartNumber })
	writeXML(w, res)
}

func (s *sink) put(w http.ResponseWriter, r *http.Request, bucket, key string) {
	n, algo, sum, err := s.readBody(r)
	if err != nil {
		var bd *badDigest
		if errors.As(err, &bd) {
			s.s3Error(w, http.StatusBadRequest, "BadDigest", bd.Error())
			return
		}
		s.s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
		return
	}
	etag := fakeETag(bucket, key, n, time.Now().UnixNano())
	s.mu.Lock()
	s.objects[bucket+"/"+key] = object{size: n, etag: etag}
	s.mu.Unlock()
	w.Header().Set("ETag", etag)
	if algo != "" {
		w.Header().Set("x-amz-checksum-"+strings.ToLower(algo), base64.StdEncoding.EncodeToString(sum))
		w.Header().Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	w.WriteHeader(http.StatusOK)
}

func (s *sink) head(w http.ResponseWriter, bucket, key string) {
	s.mu.Lock()
	o, ok := s.objects[bucket+"/"+key]
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Length", strconv.FormatInt(o.size, 10))
	w.Header().Set("ETag", o.etag)
	w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
}

// checksumHeader finds a checksum sent as a header.
func checksumHeader(h http.Header) (algo, value string) {
	for _, a := range []string{"CRC32", "CRC32C", "CRC64NVME"} {
		if v := h.Get("x-amz-checksum-" + strings.ToLower(a)); v != "" {
			return a, v
		}
	}
	return "", ""
}

func algoOfHeader(name string) string {
	switch strings.ToLower(name) {
	case "x-amz-checksum-crc32":
		return "CRC32"
	case "x-amz-checksum-crc32c":
		return "CRC32C"
	case "x-amz-checksum-crc64nvme":
		return "CRC64NVME"
	}
	return ""
}

type locationResult struct {
	XMLName xml.Name `xml:"LocationConstraint"`
}

type listUploadsResult struct {
	XMLName     xml.Name `xml:"ListMultipartUploadsResult"`
	NS          string   `xml:"xmlns,attr"`
	Bucket      string
	Prefix      string
	IsTruncated bool
	Uploads     []listUpload `xml:"Upload"`
}

type listUpload struct {
	Key       string
	UploadID  string `xml:"UploadId"`
	Initiated string
}

func (s *sink) listUploads(w http.ResponseWriter, bucket, prefix string) {
	res := listUploadsResult{NS: s3NS, Bucket: bucket, Prefix: prefix}
	s.mu.Lock()
	for id, u := range s.uploads {
		if u.bucket == bucket && strings.HasPrefix(u.key, prefix) {
			res.Uploads = append(res.Uploads, listUpload{Key: u.key, UploadID: id, Initiated: time.Now().UTC().Format(time.RFC3339)})
		}
	}
	s.mu.Unlock()
	sort.Slice(res.Uploads, func(i, j int) bool { return res.Uploads[i].Key < res.Uploads[j].Key })
	writeXML(w, res)
}

// sts answers GetCallerIdentity (the only STS call an upload makes) and
// refuses the rest, so preflight runs against the sink.
func (s *sink) sts(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.bodyBytes.Add(int64(len(body)))
	if !strings.Contains(string(body), "Action=GetCallerIdentity") {
		s.count("Other")
		s.s3Error(w, http.StatusNotImplemented, "NotImplemented", "the bench sink answers only sts:GetCallerIdentity")
		return
	}
	s.count("GetCallerIdentity")
	w.Header().Set("Content-Type", "text/xml")
	_, _ = io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
		`<Arn>arn:aws:iam::123456789012:user/bench</Arn><UserId>AIDABENCH</UserId><Account>123456789012</Account>`+
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>sink</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
}
