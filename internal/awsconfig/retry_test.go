package awsconfig

import (
	"errors"
	"net/http"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func errWithRetryAfter(v string) error {
	h := http.Header{}
	if v != "" {
		h.Set("Retry-After", v)
	}
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503, Header: h}},
		Err:      errors.New("SlowDown"),
	}}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{"0", 0, false},
		{"-5", 0, false},
		{"999", maxRetryAfter, true},
		{now.Add(10 * time.Second).Format(time.RFC1123), 10 * time.Second, true},
		{now.Add(-10 * time.Second).Format(time.RFC1123), 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfterHeader(errWithRetryAfter(tt.v), now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Retry-After %q: %v %v, want %v %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := retryAfterHeader(errors.New("plain"), now); ok {
		t.Error("a plain error has no Retry-After")
	}
}

func TestRetryerWaitsForRetryAfter(t *testing.T) {
	r := newRetryer(3)()
	if r.MaxAttempts() != 3 {
		t.Fatalf("max attempts %d, want 3", r.MaxAttempts())
	}
	d, err := r.RetryDelay(1, errWithRetryAfter("7"))
	if err != nil || d < 7*time.Second {
		t.Fatalf("delay %v, %v: want at least the 7 s asked", d, err)
	}
}
