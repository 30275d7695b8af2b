package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// The library's texts name AWS settings and never this program's flags or
// commands; the CLI adds those words here, once, where a library error or
// report comes back to it.

const (
	rerunSentence     = "Then run the same command again."
	preflightSentence = "`uploader preflight` checks S3 and KMS separately and names the one that is missing."
)

// flagSentence names the flags a code's remedy is about.
func flagSentence(code diagnose.Code) string {
	switch code {
	case diagnose.TLSUntrusted:
		return "(uploader: the endpoint is --endpoint-url, a CA bundle --ca-bundle FILE.)"
	case diagnose.EndpointUnreachable:
		return "(uploader: the S3 endpoint is --endpoint-url; --retry-window sets how long an outage is waited out.)"
	case diagnose.EndpointStalled:
		return "(uploader: --stall-timeout and --retry-window set how long a silence, and an outage, are waited out.)"
	case diagnose.ACLNotSupported:
		return "(uploader: the ACL is --acl; drop it, or use --acl bucket-owner-full-control.)"
	case diagnose.WrongRegion:
		return "(uploader: the region is --region.)"
	}
	return ""
}

// cliRemedy is a library remedy with the CLI's own sentences: the flags,
// "run the same command again" when the fix is a change to make first,
// and the preflight command when it tells the causes apart. It adds them
// once: a remedy already said in the CLI's words is returned as it is.
func cliRemedy(code diagnose.Code, remedy string, rerun, preflightTells bool) string {
	if remedy == "" {
		return ""
	}
	var add []string
	if s := flagSentence(code); s != "" {
		add = append(add, s)
	}
	if rerun {
		add = append(add, rerunSentence)
	}
	if preflightTells {
		add = append(add, preflightSentence)
	}
	if len(add) == 0 || strings.HasSuffix(remedy, add[len(add)-1]) {
		return remedy
	}
	sep := " "
	if strings.Contains(remedy, "\n") {
		sep = "\n"
	}
	return remedy + sep + strings.Join(add, sep)
}

// speakDiagnosis puts the CLI's words into the remedy of the diagnosis in
// err, if it has one, for stderr and --json alike.
func speakDiagnosis(err error) {
	var d *diagnose.Diagnosis
	if errors.As(err, &d) {
		d.Remedy = cliRemedy(d.Code, d.Remedy, d.Rerun, d.PreflightTells)
	}
}

// speakReport does the same for every check of a preflight report.
func speakReport(rep *preflight.Report) {
	for i := range rep.Checks {
		c := &rep.Checks[i]
		c.Remedy = cliRemedy(c.Code, c.Remedy, c.Rerun, false)
	}
}

// failureHint is the CLI's sentence for an error whose fix is a flag.
func failureHint(err error) string {
	var tl *upload.StreamTooLargeError
	var oe *upload.ObjectExistsError
	switch {
	case errors.As(err, &tl):
		return "Run it again with a larger --part-size or --expected-size."
	case errors.As(err, &oe):
		return "(uploader: the condition is --no-overwrite.)"
	}
	return ""
}

// unfinishedHints give the command that aborts each upload the engine left
// for the user to judge (upload.Result.Unfinished).
func unfinishedHints(res upload.Result) []string {
	var out []string
	for _, u := range res.Unfinished {
		out = append(out, fmt.Sprintf("to abort %s: uploader uploads abort %s --upload-id %s", u.UploadID, shellQuote("s3://"+u.Bucket+"/"+u.Key), u.UploadID))
	}
	return out
}

// sseFlag is the flag of an upload.SSE field.
var sseFlag = map[string]string{"Mode": "--sse", "KMSKeyID": "--sse-kms-key-id", "Context": "--sse-kms-context", "BucketKey": "--bucket-key-enabled"}

// sseFlagError names the flag an *upload.SSEError is about.
func sseFlagError(err error) error {
	var se *upload.SSEError
	if errors.As(err, &se) && sseFlag[se.Field] != "" {
		// The mode the library names is the --sse flag's value.
		msg := strings.Replace(se.Msg, "needs the mode ", "needs --sse ", 1)
		return fmt.Errorf("%s: %s", sseFlag[se.Field], msg)
	}
	return err
}

// plural is "1 request", "2 requests": n and the noun, plural with an s.
func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}
