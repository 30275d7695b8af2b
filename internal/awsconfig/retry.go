package awsconfig

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// maxRetryAfter caps what a server may ask us to wait between attempts.
const maxRetryAfter = 30 * time.Second

// newRetryer is the SDK's standard retryer (exponential backoff with
// jitter; it knows 5xx, SlowDown, throttling, resets and timeouts as
// retryable) with maxAttempts attempts in all, that also waits as long as
// a server's standard Retry-After header asks (the SDK itself honours only
// x-amz-retry-after).
func newRetryer(maxAttempts int) func() aws.Retryer {
	return func() aws.Retryer {
		std := retry.NewStandard(func(o *retry.StandardOptions) {
			if maxAttempts > 0 {
				o.MaxAttempts = maxAttempts
			}
			// No shared retry bucket: with it, one blip on ten parallel
			// parts empties the 500 tokens (5 to 14 per retry) and every
			// part fails with "retry quota exceeded". The engine and
			// preflight replace this retryer per operation anyway
			// (internal/netpolicy); this covers the CLI's other calls.
			o.RateLimiter = ratelimit.None
		})
		return retryAfter{RetryerV2: std}
	}
}

type retryAfter struct{ aws.RetryerV2 }

func (r retryAfter) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr != nil {
		return d, derr
	}
	if ra, ok := retryAfterHeader(err, time.Now()); ok && ra > d {
		return ra, nil
	}
	return d, nil
}

// retryAfterHeader reads Retry-After (seconds or an HTTP date) from the
// error's response.
func retryAfterHeader(err error, now time.Time) (time.Duration, bool) {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return 0, false
	}
	v := strings.TrimSpace(re.Response.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if secs, perr := strconv.Atoi(v); perr == nil {
		d = time.Duration(secs) * time.Second
	} else if t, perr := time.Parse(time.RFC1123, v); perr == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	if d <= 0 {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}
