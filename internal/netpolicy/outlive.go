package netpolicy

import (
	"context"
	"time"
)

// Outlive returns a context that ends grace after ctx ends, or when the
// returned cancel is called; it keeps ctx's values.
//
// A request whose answer creates something S3 bills for (a multipart
// upload) runs under it. Cancelled with the caller's ctx, such a request
// is abandoned mid-answer: S3 made the upload, and the caller never learns
// its id, so nothing can abort it. Given a little while longer the answer
// arrives and the caller aborts (or keeps) what it made. grace bounds how
// long a Ctrl-C waits for that answer on a network that gives none.
//
// A ctx already ended gives a context already ended: a request not yet
// sent is not sent.
func Outlive(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	if ctx.Err() != nil {
		return context.WithCancel(ctx)
	}
	octx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(octx, func() { t.Stop() })
	})
	return octx, func() {
		stop()
		cancel()
	}
}
