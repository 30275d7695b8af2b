package diagnose

import (
	"strings"
	"testing"
)

// A stalled connection and an endpoint never reached are told apart: code,
// message and summary.
func TestStalledIsNotUnreachable(t *testing.T) {
	st := Classify(sendFailed("S3", "UploadPart", "http://127.0.0.1:1/b/k", testStall{}), Context{Operation: "UploadPart", Part: 3})
	if st == nil || st.Code != EndpointStalled || !st.Transient() {
		t.Fatalf("stall: %+v", st)
	}
	if !strings.Contains(st.Message, "stalled: no byte moved for 2s") || strings.Contains(st.Message, "cannot reach") {
		t.Errorf("stall message: %s", st.Message)
	}
	if s := st.Summary(); !strings.Contains(s, "stalled") || !strings.HasSuffix(s, "[endpoint_stalled]") {
		t.Errorf("stall summary: %s", s)
	}
	un := Classify(sendFailed("S3", "UploadPart", "http://127.0.0.1:1/b/k", testStall{connect: true}), Context{Operation: "UploadPart"})
	if un == nil || un.Code != EndpointUnreachable || !strings.Contains(un.Message, "cannot reach") {
		t.Fatalf("no connection: %+v", un)
	}
}
