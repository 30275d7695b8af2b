package upload

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// lockedBuffer is a log destination the race detector accepts.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// An S3 client built with DebugLogging logs its exchanges, and none of the
// credentials, the signature, the SSE-C key or the body.
func TestDebugLoggingRedacts(t *testing.T) {
	const (
		accessKey = "ASIADEBUGLOGGINGTEST1"
		secretKey = "debugLoggingSecretAccessKey0123456789abcd"
		token     = "debugLoggingSessionTokenValue"
		body      = "the user's data, never logged"
	)
	ssecKey := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("x-amz-request-id", "REQ-DEBUG")
	}))
	defer srv.Close()
	var out lockedBuffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey, SessionToken: token}, nil
		}),
	}, DebugLogging(logger))
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader(body),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ssecKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	log := out.String()
	for _, want := range []string{`msg="http request"`, "method=PUT", "/b/k", `msg="http response"`, `status="200 OK"`, "REQ-DEBUG", "Signature=REDACTED", "ASIA-REDACTED"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{accessKey, secretKey, token, ssecKey, body} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
}

func TestDebugLoggingNilLogger(t *testing.T) {
	hc := &http.Client{}
	o := s3.Options{HTTPClient: hc}
	DebugLogging(nil)(&o)
	if o.HTTPClient != hc {
		t.Error("a nil logger changed the client")
	}
}
