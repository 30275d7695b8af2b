package upload

import (
	"time"

	"github.com/uploader-dev/uploader/internal/netpolicy"
)

// The network, per operation. Every S3 call of an upload (data and
// control) carries two per-request options, so that they hold for any
// client handed to New, an embedder's own *s3.Client included:
//
//   - a stall watcher around the operation's HTTP client: an attempt whose
//     connection moves no byte for Options.StallTimeout is cancelled and
//     sent again on a new connection (the SDK rewinds the body; the
//     aws-chunked trailer is rebuilt per attempt). Progress, not total
//     time: a slow link or --max-bandwidth never trips it (the bandwidth
//     limit's own waits are held, see limitedBody in wire.go);
//   - a retry policy in place of the client's retryer: a request that gets
//     no answer is retried with backoff for Options.RetryWindow from its
//     first such failure; failures with an answer (5xx, SlowDown) keep the
//     client retryer's attempts and delays; no retry takes a token from a
//     shared bucket.
//
// wire.go composes them for every call, with guardRetries (failure.go)
// around the policy, so a stopping upload still retries nothing.

// DefaultStallTimeout and DefaultRetryWindow are the zero Options' values.
const (
	DefaultStallTimeout = netpolicy.DefaultStallTimeout
	DefaultRetryWindow  = netpolicy.DefaultRetryWindow
)

// NetworkListener is an optional Listener extension: a Listener that also
// implements it is told when a request waits for the network (no answer:
// refused, reset, stalled) before trying again.
type NetworkListener interface {
	WaitingForNetwork(NetworkWait)
}

// NetworkWait describes a request waiting for the network.
type NetworkWait struct {
	Operation string // "UploadPart", "CompleteMultipartUpload", ...
	Part      int32  // part number; 0 for other operations
	Attempt   int    // the attempt that failed (1 = the first)
	Reason    string // why it failed
	// Stalled: the connection was made and then stopped moving (else it
	// could not be made, or was reset).
	Stalled bool
	RetryAt time.Time // when the next attempt starts
	// Deadline is when the retry window closes: still failing then, the
	// upload stops (a file upload is kept for a rerun).
	Deadline time.Time
}
