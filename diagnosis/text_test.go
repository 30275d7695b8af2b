package diagnosis

import (
	"strings"
	"testing"
)

// Summary is the operation, the Problem and the code: a report that
// prints the operation and the code apart (the preflight's rows) shows
// the Problem, and says the same.
func TestSummaryIsOperationProblemCode(t *testing.T) {
	for _, code := range Codes {
		for _, d := range []*Diagnosis{
			{Code: code, Operation: "CreateMultipartUpload", Key: "K", Principal: "P"},
			{Code: code, Operation: "UploadPart", Part: 2, Parts: 5, Key: "K", Principal: "P"},
		} {
			p := d.Problem()
			if p == "" || strings.Contains(p, "["+string(code)+"]") || strings.HasPrefix(p, d.Operation) {
				t.Errorf("%s: Problem %q", code, p)
			}
			if s := d.Summary(); !strings.HasPrefix(s, d.Operation) || !strings.HasSuffix(s, ": "+p+" ["+string(code)+"]") {
				t.Errorf("%s: Summary %q does not end with the Problem %q and the code", code, s, p)
			}
		}
	}
}
