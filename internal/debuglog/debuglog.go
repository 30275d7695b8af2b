// Package debuglog logs every HTTP request and response the SDK makes, for
// --debug and for the library's debug logging hook. Secrets are redacted;
// bodies are never read.
package debuglog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The records Wrap logs, and their attributes. Both are a contract for
// handlers that read them (Lines does).
const (
	MsgRequest  = "http request"  // seq, method, url, proto, headers
	MsgResponse = "http response" // seq, proto, status, duration, headers
	MsgError    = "http error"    // seq, method, duration, error
)

// Wrap returns an aws.HTTPClient that logs each exchange to l at
// slog.LevelDebug, then calls next. Nothing is logged, or formatted, when
// l does not log that level.
//
// Only the request line, the response status and the headers are logged,
// never a body: KMS returns data-key Plaintext in the GenerateDataKey and
// Decrypt response bodies, and upload bodies are the user's data. Bodies pass
// through untouched and unread. Signatures, credentials, session tokens,
// SSE-C keys and cookies are redacted wherever they appear.
//
// Safe for concurrent use; a request and its response carry the same
// sequence number ("seq") to pair them.
func Wrap(next aws.HTTPClient, l *slog.Logger) aws.HTTPClient {
	return &client{next: next, l: l}
}

type client struct {
	next aws.HTTPClient
	l    *slog.Logger
	seq  atomic.Uint64
}

func (c *client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !c.l.Enabled(ctx, slog.LevelDebug) {
		return c.next.Do(req)
	}
	n := c.seq.Add(1)
	c.l.LogAttrs(ctx, slog.LevelDebug, MsgRequest, slog.Uint64("seq", n), slog.String("method", req.Method),
		slog.String("url", redactURL(req.URL)), slog.String("proto", req.Proto), headers(req.Header, req.Host))
	start := time.Now()
	resp, err := c.next.Do(req)
	d := time.Since(start).Round(time.Millisecond)
	if err != nil {
		logged := err
		// A request cancelled by a watcher above (the stall watcher cancels
		// with a cause that says "stalled"): say why, not just "canceled".
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(err, cause) {
			logged = fmt.Errorf("%w (cancelled: %v)", err, cause)
		}
		c.l.LogAttrs(ctx, slog.LevelDebug, MsgError, slog.Uint64("seq", n), slog.String("method", req.Method),
			slog.Duration("duration", d), slog.String("error", redactError(logged)))
		return resp, err
	}
	c.l.LogAttrs(ctx, slog.LevelDebug, MsgResponse, slog.Uint64("seq", n), slog.String("proto", resp.Proto),
		slog.String("status", resp.Status), slog.Duration("duration", d), headers(resp.Header, ""))
	return resp, err
}

// headers is the "headers" group: Host first when given, then the headers
// by name, several values of one header joined with ", ", each redacted.
func headers(h http.Header, host string) slog.Attr {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, len(keys)+1)
	if host != "" {
		attrs = append(attrs, slog.String("Host", host))
	}
	for _, k := range keys {
		vs := make([]string, len(h[k]))
		for i, v := range h[k] {
			vs[i] = redactHeader(k, v)
		}
		attrs = append(attrs, slog.String(k, strings.Join(vs, ", ")))
	}
	return slog.Group("headers", attrs...)
}
