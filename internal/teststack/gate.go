package teststack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// gate is the reverse proxy in front of moto that does what S3 does with
// KMS for SSE-KMS objects (moto's S3 never calls KMS), counts requests and
// injects faults. See the package doc for its behaviours.
type gate struct {
	moto     *url.URL
	proxy    *httputil.ReverseProxy
	counts   *counters
	faults   faultPlan
	skew     skewState
	enhanced atomic.Bool
	kms      *kmsCaller
	log      *log.Logger
	logFile  io.Closer

	mu         sync.RWMutex
	users      map[string]User // by access key id
	denyDirect map[string]bool // by user name
	uploads    map[string]sseInfo
	state      *s3State

	srv *http.Server
	ln  net.Listener
}

// ctxKey carries per-request state from ServeHTTP to ModifyResponse.
type ctxKey struct{}

type reqState struct {
	q        request
	start    time.Time
	sse      *sseInfo // set when the request created an SSE-KMS upload
	uploadID string   // CreateMultipartUpload: from moto's answer
	crc      *crcBody // PutObject, UploadPart: the body's CRC64NVME
	fullCRC  []byte   // CompleteMultipartUpload: the object's CRC64NVME
}

func newGate(motoURL string, kc *kmsCaller, enhanced bool, logw io.Writer) (*gate, error) {
	u, err := url.Parse(motoURL)
	if err != nil {
		return nil, err
	}
	g := &gate{
		moto:       u,
		counts:     newCounters(),
		kms:        kc,
		log:        log.New(logw, "gate ", log.LstdFlags|log.Lmicroseconds),
		users:      map[string]User{},
		denyDirect: map[string]bool{},
		uploads:    map[string]sseInfo{},
		state:      newS3State(),
	}
	g.enhanced.Store(enhanced)
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// moto checks SigV4 signatures, which cover the Host the
			// client signed: the gate's address.
			pr.Out.Host = pr.In.Host
			// The gate already answered "100 Continue" to the client;
			// SDKs never sign Expect, so drop it rather than have moto
			// send a second interim response.
			if !isSigned(pr.In, "expect") {
				pr.Out.Header.Del("Expect")
			}
		},
		Transport: &http.Transport{
			Proxy:               nil, // never an HTTP(S)_PROXY from the environment
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 64,
			DisableCompression:  true,
			IdleConnTimeout:     30 * time.Second,
		},
		ModifyResponse: g.modifyResponse,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			g.log.Printf("forward %s %s: %v", r.Method, r.URL, err)
			if errors.Is(err, context.Canceled) {
				return
			}
			var pe *payloadError
			if errors.As(err, &pe) {
				writeS3Error(w, r, pe.status, pe.code, pe.message)
				return
			}
			writeS3Error(w, r, http.StatusBadGateway, "BadGateway", "teststack gate: moto unreachable: "+err.Error())
		},
		ErrorLog: g.log,
	}
	return g, nil
}

// listen starts serving on a free loopback port and returns the gate's URL.
func (g *gate) listen() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	g.ln = ln
	g.srv = &http.Server{Handler: g, ReadHeaderTimeout: 30 * time.Second, ErrorLog: g.log}
	go func() { _ = g.srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func (g *gate) close() error {
	if g.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := g.srv.Shutdown(ctx)
	if err != nil {
		err = g.srv.Close()
	}
	if t, ok := g.proxy.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
	return err
}

func (g *gate) addUser(u User) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.users[u.AccessKeyID] = u
}

func (g *gate) userByKey(ak string) (User, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	u, ok := g.users[ak]
	return u, ok
}

func (g *gate) setDenyDirect(names []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.denyDirect = map[string]bool{}
	for _, n := range names {
		g.denyDirect[n] = true
	}
}

func (g *gate) deniedDirect(name string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.denyDirect[name]
}

// ServeHTTP classifies, counts, applies faults and the S3-KMS rules, and
// forwards everything else to moto untouched.
func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := classify(r)
	user, known := g.userByKey(q.accessKey)
	name := user.Name
	switch {
	case q.accessKey == "":
		name = "anonymous"
	case !known:
		name = q.accessKey
	}
	body := &countingBody{rc: r.Body}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = body
	}
	sw := &statusWriter{ResponseWriter: w}
	st := &reqState{q: q, start: time.Now()}
	defer func() {
		n := body.n.Load()
		g.counts.record(name, q.op, sw.status, n)
		g.log.Printf("%s %s %s -> %d (%d body bytes)", name, q.service, q.op, sw.status, n)
	}()

	if !g.skewRules(sw, r, q, user) {
		return
	}
	switch q.service {
	case "kms":
		if g.deniedDirect(name) && isKMSCryptoOp(q.op) {
			g.refuseDirectKMS(sw, r, user, q)
			return
		}
	case "s3":
		if !g.sigV4Rules(sw, r, q, user, known) {
			return
		}
		if !g.s3Rules(sw, r, q, user, known, st) {
			return
		}
		if !g.s3StateRequest(sw, r, q, st) {
			return
		}
	}
	g.proxy.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
}

// s3Rules applies faults and SSE-KMS checks to an S3 request. It reports
// whether the request should be forwarded; if not, it has answered.
func (g *gate) s3Rules(w *statusWriter, r *http.Request, q request, user User, known bool, st *reqState) bool {
	if q.op == "UploadPart" {
		f, delay := g.faults.draw()
		switch f {
		case faultSlowDown:
			drain(r)
			writeS3Error(w, r, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
			return false
		case faultError:
			drain(r)
			writeS3Error(w, r, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
			return false
		case faultDrop:
			g.drop(w, r)
			return false
		case faultKMSThrottle:
			drain(r)
			writeS3Error(w, r, http.StatusServiceUnavailable, "KMS.ThrottlingException", "Rate exceeded")
			return false
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return false
			}
		}
	}
	switch q.op {
	case "PutObject", "CopyObject", "CreateMultipartUpload":
		if !g.s3HeaderRules(w, r, q, user, known) {
			return false
		}
		sse, ok, err := g.sseForNewObject(r, q)
		if err != nil {
			drain(r)
			writeS3Error(w, r, http.StatusBadRequest, "InvalidArgument", err.Error())
			return false
		}
		if !ok {
			return true
		}
		if !known {
			return g.unknownUser(w, r, q)
		}
		if kerr := g.kms.generateDataKey(r.Context(), user, &sse); kerr != nil {
			g.answerKMSError(w, r, user, q, kerr)
			return false
		}
		// modifyResponse learns the upload id and remembers the blob.
		st.sse = &sse
	case "UploadPart", "UploadPartCopy", "CompleteMultipartUpload":
		sse, ok := g.upload(q.uploadID)
		if !ok {
			return true
		}
		if !known {
			return g.unknownUser(w, r, q)
		}
		if kerr := g.kms.decrypt(r.Context(), user, sse); kerr != nil {
			g.answerKMSError(w, r, user, q, kerr)
			return false
		}
	}
	return true
}

func (g *gate) unknownUser(w http.ResponseWriter, r *http.Request, q request) bool {
	drain(r)
	writeS3Error(w, r, http.StatusInternalServerError, "InternalError",
		fmt.Sprintf("teststack gate: cannot call KMS as access key %s: unknown to the stack (create users with Stack.NewUser)", q.accessKey))
	return false
}

func (g *gate) upload(id string) (sseInfo, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	s, ok := g.uploads[id]
	return s, ok
}

// modifyResponse remembers SSE-KMS uploads (their id is only in moto's
// CreateMultipartUpload answer), forgets aborted ones, and corrects what
// moto gets wrong (s3StateResponse).
func (g *gate) modifyResponse(resp *http.Response) error {
	g.skewDate(resp)
	st, _ := resp.Request.Context().Value(ctxKey{}).(*reqState)
	if st == nil || resp.StatusCode/100 != 2 {
		return nil
	}
	switch st.q.op {
	case "CreateMultipartUpload":
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		st.uploadID = xmlElement(string(b), "UploadId")
		if st.uploadID == "" {
			g.log.Printf("CreateMultipartUpload: no UploadId in %q", b)
			return nil
		}
		if st.sse != nil {
			g.mu.Lock()
			g.uploads[st.uploadID] = *st.sse
			g.mu.Unlock()
		}
		if d := g.faults.createHold(); d > 0 {
			select {
			case <-time.After(d):
			case <-resp.Request.Context().Done():
			}
		}
	case "AbortMultipartUpload":
		g.mu.Lock()
		delete(g.uploads, st.q.uploadID)
		g.mu.Unlock()
	}
	if st.q.service == "s3" {
		return g.s3StateResponse(resp, st)
	}
	return nil
}

// drop reads part of an UploadPart body, then closes the connection without
// answering: the client sees a reset mid-request.
func (g *gate) drop(w *statusWriter, r *http.Request) {
	n := r.ContentLength / 2
	if n <= 0 || n > 1<<20 {
		n = 1 << 20
	}
	_, _ = io.CopyN(io.Discard, r.Body, n)
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST, like a broken network, not a polite FIN
	}
	_ = conn.Close()
	w.status = 0
}

// reset sends what was written so far, then resets the connection (RST,
// like a broken network, not a polite FIN) without reading the rest of the
// request.
func reset(w http.ResponseWriter) {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// drain reads a refused request's body so the client gets the answer
// instead of a broken pipe; a body beyond the cap makes the server close the
// connection after answering, as S3 does.
func drain(r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 256<<20))
	}
}

// isSigned reports whether header h (lower case) is in the SigV4
// SignedHeaders list.
func isSigned(r *http.Request, h string) bool {
	a := r.Header.Get("Authorization")
	i := strings.Index(a, "SignedHeaders=")
	if i < 0 {
		sh := r.URL.Query().Get("X-Amz-SignedHeaders")
		return containsField(sh, h)
	}
	sh := a[i+len("SignedHeaders="):]
	if j := strings.IndexAny(sh, ", "); j >= 0 {
		sh = sh[:j]
	}
	return containsField(sh, h)
}

func containsField(list, h string) bool {
	for _, f := range strings.Split(list, ";") {
		if f == h {
			return true
		}
	}
	return false
}

// xmlElement returns the text of the first <name>...</name>: enough for
// moto's InitiateMultipartUploadResult, without a schema.
func xmlElement(doc, name string) string {
	i := strings.Index(doc, "<"+name+">")
	if i < 0 {
		return ""
	}
	rest := doc[i+len(name)+2:]
	j := strings.Index(rest, "</"+name+">")
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// countingBody counts body bytes; atomically, since the proxy's transport
// may still be reading when the handler records its counters.
type countingBody struct {
	rc io.ReadCloser
	n  atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingBody) Close() error { return c.rc.Close() }

// statusWriter records the status sent; Unwrap lets ReverseProxy reach the
// underlying writer's Flush and the gate its Hijack.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote && code >= 200 {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
