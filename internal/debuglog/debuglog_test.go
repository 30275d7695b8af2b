package debuglog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// syncBuffer lets the race detector check Wrap's own locking, not ours.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const (
	secretSig   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	secretToken = "FwoGZXIvYXdzEJr//////////wEaDSECRETSESSIONTOKEN"
	accessKey   = "ASIAEXAMPLEKEY123456"
	plaintext   = "c2VjcmV0LWRhdGEta2V5LXBsYWludGV4dA=="
)

func TestRedactsAndNeverLogsBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amzn-RequestId", "REQ-1")
		w.Header().Set("Set-Cookie", "session=abc")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Plaintext":"`+plaintext+`"}`)
	}))
	defer srv.Close()

	var out syncBuffer
	hc := Wrap(srv.Client(), Lines(&out))
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/b/k?partNumber=2&uploadId=U1&X-Amz-Signature="+secretSig+"&X-Amz-Credential="+accessKey+"%2F20240101%2Fus-east-1%2Fs3%2Faws4_request", strings.NewReader("Plaintext body data"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="+secretSig)
	req.Header.Set("X-Amz-Security-Token", secretToken)
	req.Header.Set("X-Amz-Server-Side-Encryption-Customer-Key", "c3NlLWMta2V5")
	req.Header.Set("X-Amz-Server-Side-Encryption-Customer-Key-Md5", "bWQ1")
	req.Header.Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "arn:aws:kms:us-east-1:111122223333:key/k")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), plaintext) {
		t.Fatalf("body was altered: %s", body)
	}

	log := out.String()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (request, response), got %d:\n%s", len(lines), log)
	}
	for _, secret := range []string{secretSig, secretToken, accessKey, "c3NlLWMta2V5", "bWQ1", "Plaintext", plaintext, "session=abc"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains secret %q:\n%s", secret, log)
		}
	}
	for _, want := range []string{
		"#1 > PUT ", "partNumber=2", "uploadId=U1", "Signature=REDACTED", "SignedHeaders=host;x-amz-date",
		"X-Amz-Security-Token: REDACTED", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id: arn:aws:kms:us-east-1:111122223333:key/k",
		"#1 < HTTP/1.1 200 OK", "X-Amzn-Requestid: REQ-1", "ASIA-REDACTED",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestKMSClientPlaintext runs a real KMS client through Wrap: the data key's
// Plaintext (in the response body) must not reach the writer.
func TestKMSClientPlaintext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"CiphertextBlob":"AQID","KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Plaintext":"`+plaintext+`"}`)
	}))
	defer srv.Close()
	var out syncBuffer
	c := kms.NewFromConfig(aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: "SECRETKEYSECRETKEY", SessionToken: secretToken}, nil
		}),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   Wrap(srv.Client(), Lines(&out)),
	})
	o, err := c.GenerateDataKey(context.Background(), &kms.GenerateDataKeyInput{KeyId: aws.String("k"), NumberOfBytes: aws.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Plaintext) == 0 {
		t.Fatal("SDK got no plaintext: body was consumed by the logger")
	}
	log := out.String()
	for _, secret := range []string{plaintext, "Plaintext", secretToken, "SECRETKEYSECRETKEY", accessKey} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "X-Amz-Target: TrentService.GenerateDataKey") {
		t.Errorf("request headers not logged:\n%s", log)
	}
}

func TestConcurrentLinesStayWhole(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var out syncBuffer
	hc := Wrap(srv.Client(), Lines(&out))
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
			resp, err := hc.Do(req)
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 32 {
		t.Fatalf("want 32 lines, got %d", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			t.Errorf("interleaved line %q", l)
		}
	}
}

func TestTransportErrorLogged(t *testing.T) {
	var out syncBuffer
	hc := Wrap(&http.Client{}, Lines(&out))
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/x", nil)
	if _, err := hc.Do(req); err == nil {
		t.Fatal("want error")
	}
	if !strings.Contains(out.String(), "#1 ! GET error") {
		t.Errorf("error not logged:\n%s", out.String())
	}
}

func TestBearerAndUnknownSecretHeaders(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc.def":                 "Bearer REDACTED",
		"opaque":                         "REDACTED",
		"AWS4-HMAC-SHA256 Signature=abc": "AWS4-HMAC-SHA256 Signature=REDACTED",
	} {
		if got := redactHeader("Authorization", in); got != want {
			t.Errorf("redactHeader(%q) = %q, want %q", in, got, want)
		}
	}
	if got := redactHeader("X-Amz-Sso_bearer_token", "tok"); got != redacted {
		t.Errorf("sso token header not redacted: %q", got)
	}
}

// The records themselves, as a structured handler sees them: the same
// redaction, one attribute per header.
func TestStructuredRecordsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "session=abc")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var out syncBuffer
	l := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/b/k?X-Amz-Signature="+secretSig, nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+accessKey+"/20240101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature="+secretSig)
	req.Header.Set("X-Amz-Security-Token", secretToken)
	resp, err := Wrap(srv.Client(), l).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		recs = append(recs, m)
	}
	if len(recs) != 2 || recs[0]["msg"] != MsgRequest || recs[1]["msg"] != MsgResponse || recs[0]["seq"] != recs[1]["seq"] {
		t.Fatalf("want a request and its response, got %v", recs)
	}
	if recs[1]["status"] != "503 Service Unavailable" || recs[0]["method"] != "GET" {
		t.Errorf("records lack the method or status: %v", recs)
	}
	if h, _ := recs[0]["headers"].(map[string]any); h["X-Amz-Security-Token"] != redacted {
		t.Errorf("request headers %v", recs[0]["headers"])
	}
	for _, secret := range []string{secretSig, secretToken, accessKey, "session=abc"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("records contain %q:\n%s", secret, out.String())
		}
	}
}

// A logger that does not log debug gets nothing, and costs no formatting.
func TestDisabledLoggerLogsNothing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var out syncBuffer
	l := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
	resp, err := Wrap(srv.Client(), l).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if out.String() != "" {
		t.Errorf("logged at info level:\n%s", out.String())
	}
}

// A transport error quotes the URL: its presigned credentials go.
func TestErrorURLRedacted(t *testing.T) {
	err := &url.Error{Op: "Put", URL: "https://h/b/k?X-Amz-Credential=" + accessKey + "&X-Amz-Signature=" + secretSig, Err: errors.New("connection reset by peer")}
	got := redactError(fmt.Errorf("send: %w", err))
	if strings.Contains(got, secretSig) || strings.Contains(got, accessKey) || !strings.Contains(got, "connection reset by peer") || !strings.HasPrefix(got, "send: Put ") {
		t.Errorf("redactError = %q", got)
	}
}
