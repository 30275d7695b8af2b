package main

import (
	"testing"
	"time"

	"github.com/uploader-dev/uploader/upload"
)

func TestNetworkFlags(t *testing.T) {
	var d time.Duration
	f := durationFlag{&d, "--stall-timeout"}
	for in, want := range map[string]time.Duration{"30s": 30 * time.Second, "2m": 2 * time.Minute, "45": 45 * time.Second, "0": 0, "1.5": 1500 * time.Millisecond} {
		if err := f.Set(in); err != nil || d != want {
			t.Errorf("%q: %v, %v", in, d, err)
		}
	}
	for _, in := range []string{"-1s", "soon", "-3"} {
		if err := f.Set(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	// 0 on the command line turns the watch and the window off, which
	// Options spell as a negative value (their zero is the default).
	n := networkOptions{stallTimeout: 0, retryWindow: 10 * time.Second}
	var o upload.Options
	n.applyUpload(&o)
	if o.StallTimeout >= 0 || o.RetryWindow != 10*time.Second {
		t.Errorf("applied: %+v", o)
	}
}
