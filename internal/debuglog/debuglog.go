// Package debuglog logs every HTTP request and response the SDK makes, one
// line each, for --debug. Secrets are redacted; bodies are never read.
package debuglog

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Wrap returns an aws.HTTPClient that logs to w, then calls next.
//
// Only the request line, the response status and the headers are logged,
// never a body: KMS returns data-key Plaintext in the GenerateDataKey and
// Decrypt response bodies, and upload bodies are the user's data. Bodies pass
// through untouched and unread.
//
// Safe for concurrent use: each line is one Write under a mutex, and
// request/response lines carry a sequence number to pair them.
func Wrap(next aws.HTTPClient, w io.Writer) aws.HTTPClient {
	return &client{next: next, w: w}
}

type client struct {
	next aws.HTTPClient
	mu   sync.Mutex
	w    io.Writer
	seq  atomic.Uint64
}

func (c *client) Do(req *http.Request) (*http.Response, error) {
	n := c.seq.Add(1)
	c.line(fmt.Sprintf("#%d > %s %s %s%s", n, req.Method, redactURL(req.URL), req.Proto, headers(req.Header, req.Host)))
	start := time.Now()
	resp, err := c.next.Do(req)
	d := time.Since(start).Round(time.Millisecond)
	if err != nil {
		c.line(fmt.Sprintf("#%d ! %s error after %s: %v", n, req.Method, d, err))
		return resp, err
	}
	c.line(fmt.Sprintf("#%d < %s %s (%s)%s", n, resp.Proto, resp.Status, d, headers(resp.Header, "")))
	return resp, err
}

func (c *client) line(s string) {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s) + "\n"
	c.mu.Lock()
	defer c.mu.Unlock()
	// A failing debug writer must not fail the upload.
	_, _ = io.WriteString(c.w, s)
}

func headers(h http.Header, host string) string {
	keys := make([]string, 0, len(h)+1)
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	if host != "" {
		b.WriteString(" | Host: " + host)
	}
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(" | " + k + ": " + redactHeader(k, v))
		}
	}
	return b.String()
}
