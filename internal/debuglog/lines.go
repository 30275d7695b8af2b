package debuglog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Lines returns a logger that writes Wrap's records to w as one line each,
// the format of --debug:
//
//	#1 > PUT https://b.s3.amazonaws.com/k?partNumber=1&uploadId=U HTTP/1.1 | Host: ... | Authorization: ...
//	#1 < HTTP/1.1 200 OK (35ms) | Etag: "..." | X-Amz-Request-Id: ...
//	#2 ! PUT error after 3ms: ... connection reset by peer
//
// Each line is one Write, under a lock shared by every logger derived from
// this one, so lines of concurrent requests never interleave. A failing
// writer is ignored: debug output must not fail an upload.
func Lines(w io.Writer) *slog.Logger {
	return slog.New(&lineHandler{w: w, mu: &sync.Mutex{}})
}

type lineHandler struct {
	w  io.Writer
	mu *sync.Mutex
}

func (h *lineHandler) Enabled(context.Context, slog.Level) bool { return true }

// WithAttrs and WithGroup keep the handler as it is: Lines renders Wrap's
// records, whose attributes it knows, and nothing is added to them.
func (h *lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *lineHandler) WithGroup(string) slog.Handler      { return h }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	a := map[string]string{}
	var hdrs strings.Builder
	r.Attrs(func(at slog.Attr) bool {
		if at.Key == "headers" && at.Value.Kind() == slog.KindGroup {
			for _, g := range at.Value.Group() {
				hdrs.WriteString(" | " + g.Key + ": " + g.Value.String())
			}
			return true
		}
		a[at.Key] = at.Value.String()
		return true
	})
	var s string
	switch r.Message {
	case MsgRequest:
		s = fmt.Sprintf("#%s > %s %s %s%s", a["seq"], a["method"], a["url"], a["proto"], hdrs.String())
	case MsgResponse:
		s = fmt.Sprintf("#%s < %s %s (%s)%s", a["seq"], a["proto"], a["status"], a["duration"], hdrs.String())
	case MsgError:
		s = fmt.Sprintf("#%s ! %s error after %s: %s", a["seq"], a["method"], a["duration"], a["error"])
	default:
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(at slog.Attr) bool {
			b.WriteString(" " + at.String())
			return true
		})
		s = b.String()
	}
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s) + "\n"
	h.mu.Lock()
	defer h.mu.Unlock()
	_, _ = io.WriteString(h.w, s)
	return nil
}
