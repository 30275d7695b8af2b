package main

import (
	"os"
	"syscall"
	"testing"
)

// The exit-code rules of a set, from the outcomes of its files.
func TestSetExitCode(t *testing.T) {
	ok := fileOutcome{status: fileOK}
	exists := fileOutcome{status: fileSkipped, reason: skipExists}
	special := fileOutcome{status: fileSkipped, reason: skipSpecial}
	loop := fileOutcome{status: fileSkipped, reason: skipLoop}
	vanished := fileOutcome{status: fileFailed, code: ExitFailed}
	denied := fileOutcome{status: fileFailed, code: ExitDiagnosed}
	cancelled := fileOutcome{status: fileCancelled, code: ExitDiagnosed}
	transient := fileOutcome{status: fileFailed, code: ExitTransient}
	interrupted := fileOutcome{status: fileInterrupted, code: ExitInterrupted}
	tests := []struct {
		name     string
		outcomes []fileOutcome
		sig      os.Signal
		want     int
	}{
		{"empty set", nil, nil, ExitOK},
		{"all ok", []fileOutcome{ok, ok}, nil, ExitOK},
		{"skipped as existing is success", []fileOutcome{ok, exists}, nil, ExitOK},
		{"a special file skipped", []fileOutcome{ok, special}, nil, ExitFailed},
		{"a symlink loop skipped", []fileOutcome{ok, loop}, nil, ExitFailed},
		{"a file vanished", []fileOutcome{ok, vanished}, nil, ExitFailed},
		{"transient beats failed", []fileOutcome{vanished, transient, special}, nil, ExitTransient},
		{"diagnosed beats transient", []fileOutcome{transient, denied, cancelled, vanished}, nil, ExitDiagnosed},
		{"SIGINT beats all", []fileOutcome{denied, interrupted}, os.Interrupt, ExitInterrupted},
		{"SIGTERM", []fileOutcome{ok, interrupted}, syscall.SIGTERM, ExitTerminated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tally setTally
			for _, o := range tt.outcomes {
				tally.add(o)
			}
			if got := tally.exitCode(tt.sig); got != tt.want {
				t.Fatalf("exit %d, want %d", got, tt.want)
			}
		})
	}
}
