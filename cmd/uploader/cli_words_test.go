package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// The CLI adds its words to a library remedy once: the flags, then "run
// the same command again", then the preflight command.
func TestCLIRemedy(t *testing.T) {
	d := &diagnose.Diagnosis{Code: diagnose.TLSUntrusted, Remedy: "Trust the CA.", Rerun: true}
	err := fmt.Errorf("wrapped: %w", &upload.Error{Err: d})
	speakDiagnosis(err)
	speakDiagnosis(err) // a second time changes nothing
	want := "Trust the CA. (uploader: the endpoint is --endpoint-url, a CA bundle --ca-bundle FILE.) Then run the same command again."
	if d.Remedy != want {
		t.Errorf("remedy:\n got %q\nwant %q", d.Remedy, want)
	}
	multi := cliRemedy(diagnose.S3AccessDenied, "Allow it:\n{json}", true, true)
	if multi != "Allow it:\n{json}\n"+rerunSentence+"\n"+preflightSentence {
		t.Errorf("multi-line remedy: %q", multi)
	}
	if got := cliRemedy(diagnose.KMSThrottled, "Retry.", false, false); got != "Retry." {
		t.Errorf("nothing to add: %q", got)
	}
	rep := preflight.Report{Checks: []preflight.Check{{Name: "key", Status: preflight.Fail, Code: diagnose.KMSKeyDisabled, Remedy: "Enable the key.", Rerun: true}}}
	speakReport(&rep)
	if rep.Checks[0].Remedy != "Enable the key. "+rerunSentence {
		t.Errorf("check remedy: %q", rep.Checks[0].Remedy)
	}
}

func TestSSEFlagError(t *testing.T) {
	err := upload.SSE{KMSKeyID: "k"}.Validate()
	if got := sseFlagError(err).Error(); !strings.HasPrefix(got, "--sse-kms-key-id: ") {
		t.Errorf("SSE error: %q", got)
	}
	if e := errors.New("other"); sseFlagError(e) != e {
		t.Error("another error is changed")
	}
}
