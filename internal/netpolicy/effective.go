package netpolicy

import "time"

// Effective reads a duration option as the engine and the preflight both
// take them (StallTimeout, RetryWindow): 0 is the default def, negative
// is off (returned as 0).
func Effective(d, def time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return def
	}
	return d
}
