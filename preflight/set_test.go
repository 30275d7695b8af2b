package preflight

import (
	"reflect"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

func TestForLargest(t *testing.T) {
	base := Options{Bucket: "b", Key: "prefix/", Canary: true}
	o, err := base.ForLargest("/data/big.bin", "prefix/big.bin", 100<<20, upload.PlanOptions{PartSize: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "/data/big.bin" || o.Key != "prefix/big.bin" || !o.Plan.Multipart || o.Plan.PartSize != 16<<20 || !o.Canary {
		t.Errorf("ForLargest = %+v", o)
	}
	o, err = base.ForLargest("/data/small", "", 1000, upload.PlanOptions{})
	if err != nil || o.Plan.Multipart || o.Key != "prefix/" {
		t.Errorf("a set of small files: %+v, %v", o, err)
	}
	if _, err := base.ForLargest("/x", "", 100<<20, upload.PlanOptions{PartSize: 1}); err == nil {
		t.Error("a bad part size is not refused")
	}
}

func TestReportDiagnostics(t *testing.T) {
	rep := Report{Principal: "arn:aws:iam::1:role/r", KeyARN: "arn:aws:kms:eu-west-1:1:key/k", BucketRegion: "eu-west-1", Hint: diagnose.MissingKMSDecrypt}
	want := upload.Diagnostics{Principal: rep.Principal, KeyARN: rep.KeyARN, BucketSSE: upload.SSEKMS, Region: "eu-west-1", Hint: diagnose.MissingKMSDecrypt}
	if got := rep.Diagnostics(); !reflect.DeepEqual(got, want) {
		t.Errorf("Diagnostics = %+v, want %+v", got, want)
	}
	if got := (Report{Principal: "p"}).Diagnostics(); got.BucketSSE != "" || got.KeyARN != "" || got.Principal != "p" {
		t.Errorf("not SSE-KMS: %+v", got)
	}
}

func TestRemediesOnce(t *testing.T) {
	rep := Report{Checks: []Check{
		{Name: CheckIdentity, Status: Pass},
		{Name: CheckRoundTrip, Status: Fail, Code: diagnose.MissingKMSDecrypt, Remedy: "Allow kms:Decrypt.\nStatement", Rerun: true},
		{Name: CheckLifecycle, Status: Warn, Remedy: "Add a lifecycle rule."},
		{Name: CheckCanary, Status: Fail, Code: diagnose.MissingKMSDecrypt, Remedy: "Allow kms:Decrypt.\nStatement", Rerun: true},
		{Name: CheckReconcile, Status: Fail, Code: diagnose.MissingKMSDecrypt, Remedy: "Allow kms:Decrypt.\nStatement", Rerun: true},
		{Name: CheckKey, Status: Skip, Remedy: "not shown: skipped"},
	}}
	got := rep.Remedies()
	want := []Remedy{
		{Checks: []string{CheckRoundTrip, CheckCanary, CheckReconcile}, Code: diagnose.MissingKMSDecrypt, Text: "Allow kms:Decrypt.\nStatement", Rerun: true},
		{Checks: []string{CheckLifecycle}, Text: "Add a lifecycle rule."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Remedies = %+v\nwant %+v", got, want)
	}
	text := rep.RemedyText()
	if strings.Count(text, "Allow kms:Decrypt.") != 1 || !strings.Contains(text, "round trip, canary, reconcile:\n  Allow kms:Decrypt.\n  Statement\n") || strings.Contains(text, "skipped") {
		t.Errorf("RemedyText:\n%s", text)
	}
}
