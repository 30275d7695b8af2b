package netpolicy

import (
	"context"
	"time"
)

// CleanupTimeout bounds a call that cleans up after an upload (an abort);
// CancelledCleanupTimeout bounds it once the upload's context has ended (a
// Ctrl-C, a SIGTERM under docker's 10 s): still tried, so nothing is left
// billed, but not waited on for long.
const (
	CleanupTimeout          = 30 * time.Second
	CancelledCleanupTimeout = 5 * time.Second
)

// Cleanup is the context of such a call: apart from ctx's cancel (the
// cleanup must run after it), bounded by CleanupTimeout, or by
// CancelledCleanupTimeout when ctx has already ended.
func Cleanup(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := CleanupTimeout
	if ctx.Err() != nil {
		timeout = CancelledCleanupTimeout
	}
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}
