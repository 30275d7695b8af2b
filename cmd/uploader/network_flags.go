package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// networkOptions are the flags that say how long a silent connection and
// an outage are waited out (every command takes them; docs/usage.md,
// "Retries and the network").
type networkOptions struct {
	stallTimeout time.Duration
	retryWindow  time.Duration
}

func (n *networkOptions) addFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	n.stallTimeout, n.retryWindow = upload.DefaultStallTimeout, upload.DefaultRetryWindow
	f.Var(durationFlag{&n.stallTimeout, "--stall-timeout"}, "stall-timeout",
		"cancel and resend a request whose connection moved no byte for this long; also the wait for a response's headers (0 = no watch)")
	f.Var(durationFlag{&n.retryWindow, "--retry-window"}, "retry-window",
		"retry a request the network did not answer (refused, reset, stalled) for this long after its first such failure; 0 = count them against --retries")
}

// off is how Options say "no watch" / "no window": a negative duration
// (their zero value means the default).
func off(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// applyUpload sets the engine's options from the flags.
func (n *networkOptions) applyUpload(o *upload.Options) {
	o.StallTimeout, o.RetryWindow = off(n.stallTimeout), off(n.retryWindow)
}

// applyPreflight sets preflight's stall timeout from the flags.
func (n *networkOptions) applyPreflight(o *preflight.Options) {
	o.StallTimeout = off(n.stallTimeout)
}

// durationFlag is a time.Duration flag that refuses negative values at
// parse time (a usage error, exit 2). A bare number is seconds.
type durationFlag struct {
	d    *time.Duration
	name string
}

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Type() string { return "duration" }

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		var secs float64
		if _, serr := fmt.Sscanf(s, "%g", &secs); serr != nil || fmt.Sprint(secs) != s {
			return fmt.Errorf("%q is not a duration: write e.g. 30s, 2m or 1m30s", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return fmt.Errorf("%s cannot be negative", f.name)
	}
	*f.d = d
	return nil
}
