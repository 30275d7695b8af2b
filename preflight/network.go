package preflight

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/internal/netpolicy"
)

// Preflight's own network policy, applied per call like the engine's
// (internal/netpolicy), for a report in bounded time:
//
//   - every call is watched for stalls (Options.StallTimeout);
//   - a call that gets no answer is not retried: the verdict is
//     INCONCLUSIVE either way, and the upload has its own retry window;
//   - once one call got no answer, the later ones wait at most
//     afterNoAnswer for a silent connection, and those to an endpoint
//     (scheme://host) that gave no answer at most againNoAnswer, so a
//     blackholed endpoint ends the preflight within the stall window plus
//     a few seconds (later calls to a service that got no answer are not
//     sent at all);
//   - a failure with an answer (5xx, throttling) is tried preflightAttempts
//     times in all, with the client retryer's delays.
const (
	afterNoAnswer     = 1500 * time.Millisecond
	againNoAnswer     = 300 * time.Millisecond
	preflightAttempts = 3
)

// stallWindow is the stall timeout of a call.
func (r *run) stallWindow(req *http.Request) time.Duration {
	w := netpolicy.Effective(r.o.StallTimeout, netpolicy.DefaultStallTimeout)
	if w == 0 {
		return 0
	}
	if r.netFailed.Load() {
		w = min(w, afterNoAnswer)
	}
	r.mu.Lock()
	dead := r.deadEndpoints[req.URL.Scheme+"://"+req.URL.Host]
	r.mu.Unlock()
	if dead {
		w = min(w, againNoAnswer)
	}
	return w
}

func (r *run) netPolicy() netpolicy.Policy {
	return netpolicy.Policy{MaxAttempts: preflightAttempts, NetworkRetryable: func(error) bool { return false }}
}

func (r *run) watch(c aws.HTTPClient) aws.HTTPClient {
	return netpolicy.WithStallTimeout(c, r.stallWindow)
}

func (r *run) s3Net(o *s3.Options) {
	o.HTTPClient, o.Retryer = r.watch(o.HTTPClient), r.netPolicy().Retryer(o.Retryer)
}

func (r *run) kmsNet(o *kms.Options) {
	o.HTTPClient, o.Retryer = r.watch(o.HTTPClient), r.netPolicy().Retryer(o.Retryer)
}

func (r *run) stsNet(o *sts.Options) {
	o.HTTPClient, o.Retryer = r.watch(o.HTTPClient), r.netPolicy().Retryer(o.Retryer)
}

// stsOpts are the options of an STS call.
func (r *run) stsOpts() []func(*sts.Options) { return []func(*sts.Options){r.stsNet} }
