package diagnose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// A real SDK client against a closed port: the summary names the endpoint
// and the service, not the SDK's chain; the code is transient.
func TestSDKEndpointUnreachable(t *testing.T) {
	ep := closedPort(t)
	cfg := config(ep)
	cfg.RetryMaxAttempts = 2
	_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateMultipartUpload(context.Background(),
		&s3.CreateMultipartUploadInput{Bucket: aws.String("b"), Key: aws.String("k")})
	d := Classify(err, Context{SSE: "aws:kms", Bucket: "b", ObjectKey: "k"})
	if d == nil || d.Code != EndpointUnreachable || !d.Transient() {
		t.Fatalf("got %+v (%v)", d, err)
	}
	want := "CreateMultipartUpload: cannot reach " + ep + " (S3): connection refused [endpoint_unreachable]"
	if d.Summary() != want {
		t.Errorf("summary %q, want %q", d.Summary(), want)
	}
	if !strings.Contains(d.Message, "2 attempts") || strings.Contains(d.Summary(), "StatusCode") {
		t.Errorf("message %q", d.Message)
	}
	if got := Describe(err); got != "CreateMultipartUpload: cannot reach "+ep+" (S3): connection refused (2 attempts)" {
		t.Errorf("Describe: %q", got)
	}
}

// A TLS server whose certificate this client does not trust.
func TestSDKTLSUntrusted(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("request reached the server") }))
	defer srv.Close()
	_, err := s3Client(srv.URL).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x")})
	d := Classify(err, Context{})
	if d == nil || d.Code != TLSUntrusted || d.Transient() {
		t.Fatalf("got %+v (%v)", d, err)
	}
	if !strings.Contains(d.Summary(), "cannot trust the TLS certificate of "+srv.URL+" (S3)") || !strings.Contains(d.Remedy, "AWS_CA_BUNDLE") {
		t.Errorf("summary %q remedy %q", d.Summary(), d.Remedy)
	}
}

// skewServer judges request times by a clock offset ahead, as S3 does; its
// Date header shows that clock unless hide is set.
func skewServer(t *testing.T, offset time.Duration, hide bool) *httptest.Server {
	return server(t, func(r *http.Request) canned {
		now := time.Now().Add(offset)
		h := map[string]string{"Content-Type": "application/xml", "x-amz-request-id": "SKEW"}
		if !hide {
			h["Date"] = now.UTC().Format(http.TimeFormat)
		}
		signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if err != nil || signed.Sub(now).Abs() > 15*time.Minute {
			return canned{403, h, s3XML("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")}
		}
		return canned{200, h, `<?xml version="1.0"?><InitiateMultipartUploadResult><UploadId>U</UploadId></InitiateMultipartUploadResult>`}
	})
}

// The SDK corrects a skew it can see in the server's Date header; what is
// left after that is clock_skewed.
func TestSDKClockSkew(t *testing.T) {
	for _, tt := range []struct {
		name string
		hide bool
		want Code
	}{
		{"Date header shows the skew: the SDK corrects it", false, ""},
		{"no Date to learn from: clock_skewed", true, ClockSkewed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(skewServer(t, time.Hour, tt.hide).URL)
			cfg.RetryMaxAttempts = 3
			_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateMultipartUpload(context.Background(),
				&s3.CreateMultipartUploadInput{Bucket: aws.String("b"), Key: aws.String("k")})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("the SDK did not correct a visible skew: %v", err)
				}
				return
			}
			d := Classify(err, Context{})
			if d == nil || d.Code != tt.want || d.Transient() || !strings.Contains(d.Remedy, "clock") {
				t.Fatalf("got %+v (%v)", d, err)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"SlowDown after retries", s3Err("UploadPart", 503, "SlowDown", "Please reduce your request rate."), "UploadPart: HTTP 503 SlowDown: Please reduce your request rate. (request id REQ1)"},
		{"engine words kept", fmt.Errorf("part 3: %w", s3Err("UploadPart", 500, "InternalError", "")), "part 3: UploadPart: HTTP 500 InternalError (request id REQ1)"},
		{"refused", refused("STS", "GetCallerIdentity", "http://127.0.0.1:1/"), "GetCallerIdentity: cannot reach http://127.0.0.1:1 (STS): connection refused (3 attempts)"},
		{"diagnosis", &Diagnosis{Code: KMSKeyDisabled, Operation: "PutObject", Key: "K"}, "PutObject: KMS key K is disabled [kms_key_disabled]"},
		{"plain", errors.New("source changed\nsecond line"), "source changed"},
		{"cancelled", fmt.Errorf("upload: %w", &smithyOpCanceled), "upload: UploadPart: cancelled"},
		{"a wrapper in its own words", ownWords{s3Err("AbortMultipartUpload", 404, "NoSuchUpload", "gone")}, "no upload U for s3://b/k"},
	} {
		if got := Describe(tt.err); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestTransient(t *testing.T) {
	for _, tt := range []struct {
		d    Diagnosis
		want bool
	}{
		{Diagnosis{Code: KMSThrottled}, true},
		{Diagnosis{Code: EndpointUnreachable}, true},
		{Diagnosis{Code: CredentialsExpired, UploadID: "U"}, true},
		{Diagnosis{Code: CredentialsExpired}, false},
		{Diagnosis{Code: TLSUntrusted}, false},
		{Diagnosis{Code: ClockSkewed}, false},
		{Diagnosis{Code: CredentialsInvalid, UploadID: "U"}, false},
		{Diagnosis{Code: MissingKMSDecrypt, UploadID: "U"}, false},
	} {
		if got := tt.d.Transient(); got != tt.want {
			t.Errorf("%s (upload %q): Transient = %v", tt.d.Code, tt.d.UploadID, got)
		}
	}
}

// ownWords wraps an SDK error without repeating it, as
// upload.NoSuchUploadError does.
type ownWords struct{ err error }

func (e ownWords) Error() string { return "no upload U for s3://b/k" }
func (e ownWords) Unwrap() error { return e.err }
