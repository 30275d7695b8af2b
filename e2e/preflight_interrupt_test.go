package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// Ctrl-C during cp's preflight: exit 130, nothing uploaded, and with
// --json the last line is still the result (status interrupted), as the
// contract says of every run.
func TestJSONResultLastWhenInterruptedInPreflight(t *testing.T) {
	src, _ := makeFile(t, 20*size.MiB)
	key := uniqueKey(t, "obj.bin")
	stack.ResetCounts()
	// The canary's 1-byte part waits in the gate: once the canary's
	// CreateMultipartUpload is answered (the gate counts a request when it
	// has answered it), the preflight is under way for 3 s more.
	stack.SetFaults(teststack.Faults{Delay: 3 * time.Second})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json")
	waitFor(t, time.Minute, "the preflight's canary", func() bool {
		return stack.Counts().Requests(stack.Full.Name, "CreateMultipartUpload") >= 1
	})
	if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	r := run.wait(t)
	if r.Code != 130 {
		t.Fatalf("exit %d, want 130: %s", r.Code, r)
	}
	res := resultLine(t, r)
	if res["status"] != "interrupted" {
		t.Fatalf("result %v, want status interrupted", res)
	}
	if objectExists(t, key) {
		t.Fatal("an object was stored")
	}
}
