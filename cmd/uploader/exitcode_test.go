package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/upload"
)

// The exit-code contract, from the errors the engine returns.
func TestExitCodes(t *testing.T) {
	denied := &upload.Diagnosis{Code: upload.MissingKMSDecrypt, Message: "m"}
	expired := &upload.Diagnosis{Code: upload.CredentialsExpired, Message: "m"}
	reset := fmt.Errorf("send: %w", syscall.ECONNRESET)
	tests := []struct {
		name string
		err  error
		sig  os.Signal
		want int
	}{
		{"usage", usagef(errors.New("bad flag")), nil, ExitUsage},
		{"plan", &upload.PlanError{Msg: "too big"}, nil, ExitUsage},
		{"diagnosed, kept", &upload.Error{UploadID: "u", Kept: true, Err: denied}, nil, ExitDiagnosed},
		{"diagnosed, no upload", &upload.Error{Err: denied}, nil, ExitDiagnosed},
		{"transient after retries, kept", &upload.Error{UploadID: "u", Kept: true, Err: reset}, nil, ExitTransient},
		{"transient, aborted (stdin)", &upload.Error{UploadID: "u", Aborted: true, Err: reset}, nil, ExitTransient},
		{"transient, single request", &upload.Error{Op: "PutObject", Err: reset}, nil, ExitTransient},
		{"credentials expired mid-upload", &upload.Error{UploadID: "u", Kept: true, Err: expired}, nil, ExitTransient},
		{"credentials expired before any upload", &upload.Error{Err: expired}, nil, ExitDiagnosed},
		{"endpoint unreachable, kept", &upload.Error{UploadID: "u", Kept: true, Err: &upload.Diagnosis{Code: upload.EndpointUnreachable}}, nil, ExitTransient},
		{"endpoint unreachable, bare", &upload.Diagnosis{Code: upload.EndpointUnreachable}, nil, ExitTransient},
		{"KMS throttled after retries", &upload.Error{UploadID: "u", Kept: true, Err: &upload.Diagnosis{Code: upload.KMSThrottled}}, nil, ExitTransient},
		{"certificate untrusted", &upload.Error{Err: &upload.Diagnosis{Code: upload.TLSUntrusted}}, nil, ExitDiagnosed},
		{"credentials invalid", &upload.Error{UploadID: "u", Kept: true, Err: &upload.Diagnosis{Code: upload.CredentialsInvalid}}, nil, ExitDiagnosed},
		{"clock skewed", &upload.Diagnosis{Code: upload.ClockSkewed}, nil, ExitDiagnosed},
		{"preflight inconclusive", &exitError{code: ExitInconclusive, err: errors.New("preflight inconclusive")}, nil, ExitInconclusive},
		{"source changed", &upload.Error{UploadID: "u", Aborted: true, Err: &upload.SourceChangedError{Path: "p", Why: "w"}}, nil, ExitFailed},
		{"encryption not applied", &upload.EncryptionError{Bucket: "b", Key: "k"}, nil, ExitFailed},
		{"checksum mismatch", &upload.ChecksumError{What: "object"}, nil, ExitFailed},
		{"locked", &journal.LockedError{PID: 42}, nil, ExitFailed},
		{"SIGINT", &upload.Error{UploadID: "u", Kept: true, Err: upload.ErrStopped}, os.Interrupt, ExitInterrupted},
		{"SIGTERM", &upload.Error{UploadID: "u", Kept: true, Err: context.Canceled}, syscall.SIGTERM, ExitTerminated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			intr := &interrupter{first: tt.sig}
			if got := exitCode(cpFailure(intr, tt.err)); got != tt.want {
				t.Fatalf("exit %d, want %d", got, tt.want)
			}
		})
	}
}

// The advice names a command that works as pasted, for any key.
func TestUploadFateQuotesTheTarget(t *testing.T) {
	r := &reporter{}
	got := r.uploadFate(&upload.Error{UploadID: "U1", Kept: true}, object{Source: "f", Target: "s3://b/dir/it's a file.tar"})
	want := `uploader uploads abort 's3://b/dir/it'\''s a file.tar' --upload-id U1`
	if !strings.Contains(got, want) {
		t.Fatalf("advice %q does not contain %q", got, want)
	}
}

// Why an aborted upload was not kept: stdin only for cp's own "-", never
// for a set's file that happens to be named "-".
func TestUploadFateSaysWhyAborted(t *testing.T) {
	aborted := &upload.Error{UploadID: "U1", Aborted: true}
	for _, tc := range []struct {
		name string
		r    *reporter
		src  string
		want string
	}{
		{"stdin", &reporter{}, "-", "stdin cannot be resumed"},
		{"a set's file named -", &reporter{set: true}, "-", "it could not be resumed"},
		{"--abort-on-failure", &reporter{set: true, abortOnFailure: true}, "-", "--abort-on-failure"},
	} {
		if got := tc.r.uploadFate(aborted, object{Source: tc.src, Target: "s3://b/k"}); !strings.Contains(got, "("+tc.want+")") {
			t.Errorf("%s: %q, want it to say (%s)", tc.name, got, tc.want)
		}
	}
}

// The summary line never carries the SDK's chain: an interruption says
// how the upload stopped, an SDK error what became of the request.
func TestOneLine(t *testing.T) {
	sdk := fmt.Errorf("upload: %w", context.Canceled)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"interrupted", &exitError{code: ExitInterrupted, err: &interruptError{text: "interrupted by SIGINT: stopped at once (second SIGINT); the parts in flight were cancelled", err: sdk}},
			"interrupted by SIGINT: stopped at once (second SIGINT); the parts in flight were cancelled"},
		{"diagnosis", &upload.Error{Err: &upload.Diagnosis{Code: upload.KMSKeyDisabled, Operation: "PutObject", Key: "K"}}, "PutObject: KMS key K is disabled [kms_key_disabled]"},
		{"plain", errors.New("first\nsecond"), "first"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.err); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// interruptedText follows how the upload was stopped.
func TestInterruptedText(t *testing.T) {
	stopped := &upload.Error{UploadID: "U1", Kept: true, Err: upload.ErrStopped}
	stalled := &upload.Error{UploadID: "U1", Kept: true, Err: &upload.Diagnosis{Code: upload.EndpointStalled, Operation: "UploadPart", Part: 3, Parts: 12, Endpoint: "http://127.0.0.1:9", Service: "S3"}}
	for _, tt := range []struct {
		cause error
		err   error // what the upload returned
		want  string
	}{
		{nil, stopped, "interrupted by SIGINT: no new parts were started; the parts in flight finished"},
		// The retry window closed during the grace: not "finished".
		{nil, stalled, "interrupted by SIGINT: no new parts were started; the parts in flight failed: " + oneLine(stalled)},
		{&signalError{sig: os.Interrupt, how: stoppedAtOnce}, stalled, "interrupted by SIGINT: stopped at once (second SIGINT); the parts in flight were cancelled"},
		{&signalError{sig: os.Interrupt, how: graceOver}, stopped, "interrupted by SIGINT: the parts in flight did not finish within 2m0s and were cancelled"},
		{&signalError{sig: os.Interrupt, how: graceIdle}, stopped, "interrupted by SIGINT: the parts in flight made no progress for 10s and were cancelled"},
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		if tt.cause != nil {
			cancel(tt.cause)
		}
		in := &interrupter{ctx: ctx, first: os.Interrupt}
		if got := in.interruptedText(tt.err); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
		cancel(nil)
	}
}
