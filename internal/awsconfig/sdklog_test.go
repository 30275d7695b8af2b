package awsconfig

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A response cut off mid-body makes the SDK log a WARN while it drains it:
// the line goes to the SDK log writer (--debug's stream), or nowhere, never
// to the SDK's default stderr logger.
func TestSDKLogLinesGoWhereTold(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64<<10)
				c.Read(buf) // the request (small)
				// Promise 1,000 bytes of body, send 10, hang up.
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"e\"\r\n\r\n0123456789"))
			}()
		}
	}()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	for _, debug := range []bool{false, true} {
		var log bytes.Buffer
		o := Options{Region: "us-east-1", EndpointURL: "http://" + ln.Addr().String(), RetryMaxAttempts: 1}
		if debug {
			o.SDKLog = &log
		}
		stderr := captureStderr(t, func() {
			cfg, err := Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := cfg.Logger.(sdkLogger); !ok {
				t.Errorf("the SDK logs through %T, not ours: its lines would reach stderr", cfg.Logger)
			}
			_, _ = S3(cfg, o.EndpointURL).PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x"),
			})
		})
		if stderr != "" {
			t.Errorf("debug %v: the SDK wrote to stderr: %q", debug, stderr)
		}
		if got := log.String(); debug && !strings.Contains(got, "debug: sdk WARN: failed to discard") {
			t.Errorf("with a log writer: %q, want the SDK's WARN marked as its own", got)
		}
	}
}

// captureStderr runs f with os.Stderr a pipe (the SDK's default logger
// writes there) and returns what was written.
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	out := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		out <- string(b)
	}()
	func() {
		defer func() { os.Stderr = saved }()
		f()
	}()
	w.Close()
	return <-out
}
