package e2e

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
)

// Ctrl-C on a slow link keeps what is nearly done: at 1 MiB/s, two 8 MiB
// parts in flight need about 16 s; after the first SIGINT they may finish
// while they make progress (the old fixed 5 s grace cancelled them, and
// the rerun resumed nothing), and the line says what is waited for.
// SIGTERM keeps its grace under docker's 10 s: the same parts are
// cancelled after 8 s.
func TestGraceKeepsWhatIsNearlyDone(t *testing.T) {
	tests := []struct {
		sig       os.Signal
		exit      int
		finished  bool          // the parts in flight were acknowledged
		maxWaited time.Duration // from the signal to the exit
	}{
		{os.Interrupt, 130, true, 40 * time.Second},
		{syscall.SIGTERM, 143, false, 11 * time.Second},
	}
	for _, tt := range tests {
		t.Run(signalName(tt.sig), func(t *testing.T) {
			const total = 32 * size.MiB
			src, sum := makeFile(t, total)
			key := uniqueKey(t, "obj.bin")
			cleanupKey(t, key)
			run := startCLI(t, stack.Full, kmsCp(src, key, "--concurrency", "2", "--max-bandwidth", "1MiB/s")...)
			waitFor(t, time.Minute, "the upload's journal", func() bool { return journalFor(t, key) != nil })
			time.Sleep(2 * time.Second) // both parts well under way
			if err := run.cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			signalled := time.Now()
			r := run.wait(t)
			waited := time.Since(signalled)
			if r.Code != tt.exit {
				t.Fatalf("exit %d, want %d: %s", r.Code, tt.exit, r)
			}
			if waited > tt.maxWaited {
				t.Errorf("exited %s after the signal, want within %s", waited, tt.maxWaited)
			}
			if !strings.Contains(r.Stderr, "parts in flight") || !strings.Contains(r.Stderr, "left") {
				t.Errorf("stderr does not say what the grace waits for:\n%s", r.Stderr)
			}
			settleGate(t)
			rec := journalFor(t, key)
			if rec == nil {
				t.Fatal("no journal: the upload was not kept")
			}
			if got := len(rec.Parts); tt.finished && got != 2 {
				t.Fatalf("%d parts journaled, want the 2 in flight at the signal", got)
			} else if !tt.finished && got != 0 {
				t.Fatalf("%d parts journaled, want none: SIGTERM's grace is shorter than the parts", got)
			}
			r = runCLI(t, stack.Full, kmsCp(src, key, "--json")...)
			if r.Code != 0 {
				t.Fatalf("rerun: exit %d: %s", r.Code, r)
			}
			if resumed, _ := resultLine(t, r)["resumed_bytes"].(float64); tt.finished && resumed != float64(16*size.MiB) {
				t.Errorf("rerun resumed %v bytes, want the 16 MiB the grace kept", resumed)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Errorf("object SHA-256 %s, source %s", got, sum)
			}
		})
	}
}

func signalName(sig os.Signal) string {
	if sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}
