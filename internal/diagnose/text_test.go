package diagnose

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSummaryAndText(t *testing.T) {
	d := Classify(s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), Context{
		Operation: "UploadPart", Part: 2, Parts: 5, SSE: "aws:kms", Key: keyARN, Principal: userARN, MultipartCreated: true, UploadID: "UP1", Proof: ProofDecryptDenied,
	})
	want := "UploadPart, part 2 of 5: missing kms:Decrypt on key " + keyARN + " for principal " + userARN + " [missing_kms_decrypt]"
	if got := d.Summary(); got != want {
		t.Errorf("Summary:\n got %s\nwant %s", got, want)
	}
	txt := d.Text()
	for _, s := range []string{want, "What happened:", "Evidence:", "request id:    REQ1", "upload id:     UP1", "HTTP status:   403", "Why:", "Fix:", `"kms:Decrypt"`} {
		if !strings.Contains(txt, s) {
			t.Errorf("Text lacks %q:\n%s", s, txt)
		}
	}
	if testing.Verbose() {
		t.Log("\n" + txt)
	}
	// The JSON contract: only the documented fields.
	b, _ := json.Marshal(d)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k := range m {
		switch k {
		case "code", "operation", "part", "parts", "principal", "key", "upload_id", "request_id", "message", "remedy":
		default:
			t.Errorf("unexpected JSON field %q", k)
		}
	}
}

func TestEverySummaryNamesItsCode(t *testing.T) {
	for _, c := range Codes {
		d := &Diagnosis{Code: c, Operation: "PutObject"}
		if s := d.Summary(); !strings.HasSuffix(s, "["+string(c)+"]") || strings.Contains(s, ": "+string(c)+" [") {
			t.Errorf("%s: summary %q", c, s)
		}
	}
	// A hand-made diagnosis still renders its Message.
	if txt := (&Diagnosis{Code: KMSKeyDisabled, Message: "hand made"}).Text(); !strings.Contains(txt, "hand made") {
		t.Errorf("Text dropped Message: %s", txt)
	}
}
