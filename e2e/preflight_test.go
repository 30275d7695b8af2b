package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// preflightDoc is the --json document.
type preflightDoc struct {
	Target       string `json:"target"`
	Verdict      string `json:"verdict"`
	Principal    string `json:"principal"`
	Key          string `json:"key"`
	BucketRegion string `json:"bucket_region"`
	Requests     int    `json:"requests"`
	Checks       []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
		Remedy string `json:"remedy"`
	} `json:"checks"`
}

// preflight runs `uploader preflight --json` as u on a fresh key and checks
// that nothing was left behind in the bucket.
func preflight(t *testing.T, u teststack.User, args ...string) (cliResult, preflightDoc) {
	t.Helper()
	key := uniqueKey(t, "obj")
	r := runCLI(t, u, append([]string{"preflight", target(key), "--json"}, args...)...)
	var doc preflightDoc
	if r.Code == 0 || r.Code == 3 {
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
			t.Fatalf("--json output is not one JSON document: %v\n%s", err, r)
		}
		if doc.Target != target(key) || doc.Requests > 12 {
			t.Errorf("target %q, %d requests", doc.Target, doc.Requests)
		}
	}
	noUploadsLeft(t, key)
	return r, doc
}

// noUploadsLeft: the canary is always aborted.
func noUploadsLeft(t *testing.T, key string) {
	t.Helper()
	for _, up := range listUploads(t) {
		k := aws.ToString(up.Key)
		if strings.HasPrefix(k, key) || strings.Contains(k, ".uploader-preflight-") {
			t.Errorf("upload left behind: %s (%s)", k, aws.ToString(up.UploadId))
		}
	}
}

func (d preflightDoc) check(t *testing.T, name string) (status, code, detail, remedy string) {
	t.Helper()
	for _, c := range d.Checks {
		if c.Name == name {
			return c.Status, c.Code, c.Detail, c.Remedy
		}
	}
	t.Fatalf("no %q check in %+v", name, d.Checks)
	return
}

func (d preflightDoc) String() string {
	var b strings.Builder
	for _, c := range d.Checks {
		b.WriteString(c.Status + " " + c.Name + " [" + c.Code + "] " + c.Detail + "\n")
	}
	return b.String()
}

func kmsArgs(key string) []string { return []string{"--sse", "aws:kms", "--sse-kms-key-id", key} }

func TestPreflightFullUserAllPass(t *testing.T) {
	r, doc := preflight(t, stack.Full, kmsArgs(stack.KeyARN)...)
	if r.Code != 0 || doc.Verdict != "PASS" {
		t.Fatalf("%s", r)
	}
	for _, c := range doc.Checks {
		if c.Status != "PASS" {
			t.Errorf("%s: %s %s", c.Name, c.Status, c.Detail)
		}
	}
	if doc.Principal != stack.Full.ARN || doc.Key != stack.KeyARN || doc.BucketRegion != stack.Region {
		t.Errorf("principal %q key %q region %q", doc.Principal, doc.Key, doc.BucketRegion)
	}
	for _, name := range []string{"identity", "source", "bucket", "key", "round trip", "canary", "reconcile"} {
		doc.check(t, name)
	}

	// The table, with an alias resolved to the key's ARN.
	key := uniqueKey(t, "table")
	tr := runCLI(t, stack.Full, append([]string{"preflight", target(key)}, kmsArgs(stack.Alias)...)...)
	if tr.Code != 0 || !strings.Contains(tr.Stdout, "verdict: PASS") || !strings.Contains(tr.Stdout, stack.KeyARN) {
		t.Fatalf("table run: %s", tr)
	}
	noUploadsLeft(t, key)
}

func TestPreflightNoDecryptMultipart(t *testing.T) {
	r, doc := preflight(t, stack.NoDecrypt, kmsArgs(stack.KeyARN)...)
	if r.Code != 3 || doc.Verdict != "FAIL" {
		t.Fatalf("want exit 3: %s", r)
	}
	status, code, detail, remedy := doc.check(t, "round trip")
	if status != "FAIL" || code != "missing_kms_decrypt" {
		t.Fatalf("round trip %s %s\n%s", status, code, doc)
	}
	for _, s := range []string{"kms:Decrypt", stack.NoDecrypt.ARN, stack.KeyARN} {
		if !strings.Contains(detail, s) {
			t.Errorf("round trip detail lacks %q: %s", s, detail)
		}
	}
	for _, s := range []string{"kms:Decrypt", stack.NoDecrypt.ARN, stack.KeyARN, "Key policy", "IAM policy", `"Principal"`, `"Resource": "` + stack.KeyARN + `"`, "ONE of them"} {
		if !strings.Contains(remedy, s) {
			t.Errorf("remedy lacks %q:\n%s", s, remedy)
		}
	}
	// The table says the same.
	key := uniqueKey(t, "table")
	tr := runCLI(t, stack.NoDecrypt, append([]string{"preflight", target(key)}, kmsArgs(stack.KeyARN)...)...)
	if tr.Code != 3 || !strings.Contains(tr.Stdout, "missing_kms_decrypt") || !strings.Contains(tr.Stdout, "IAM policy") {
		t.Fatalf("table run: %s", tr)
	}
	noUploadsLeft(t, key)
}

func TestPreflightNoDecryptSmallFileWarns(t *testing.T) {
	src, _ := makeFile(t, 100*size.KiB)
	r, doc := preflight(t, stack.NoDecrypt, append(kmsArgs(stack.KeyARN), "--source", src)...)
	if r.Code != 0 || doc.Verdict != "WARN" {
		t.Fatalf("want exit 0 with WARN: %s", r)
	}
	status, code, detail, _ := doc.check(t, "round trip")
	if status != "WARN" || code != "missing_kms_decrypt" || !strings.Contains(detail, "kms:Decrypt") {
		t.Fatalf("round trip %s %s %s", status, code, detail)
	}
}

func TestPreflightNoGenerateDataKey(t *testing.T) {
	r, doc := preflight(t, stack.NoGenerateDataKey, kmsArgs(stack.KeyARN)...)
	if r.Code != 3 {
		t.Fatalf("want exit 3: %s", r)
	}
	status, code, detail, remedy := doc.check(t, "round trip")
	if status != "FAIL" || code != "missing_kms_generate_data_key" || !strings.Contains(detail, "kms:GenerateDataKey") || !strings.Contains(remedy, "kms:GenerateDataKey") {
		t.Fatalf("round trip %s %s %s\n%s", status, code, detail, doc)
	}
	if status, code, _, _ := doc.check(t, "canary"); status != "FAIL" || code != "missing_kms_generate_data_key" {
		t.Errorf("canary %s %s\n%s", status, code, doc)
	}
}

func TestPreflightKeyStates(t *testing.T) {
	tests := []struct {
		name, key, code, state string
	}{
		{"disabled", stack.DisabledKeyARN, "kms_key_disabled", "Disabled"},
		{"pending deletion", stack.PendingDeletionKeyARN, "kms_key_pending_deletion", "PendingDeletion"},
		{"not found", "arn:aws:kms:" + stack.Region + ":" + stack.AccountID + ":key/00000000-0000-0000-0000-000000000000", "kms_key_not_found", "not found"},
		{"not found by id", "00000000-0000-0000-0000-000000000000", "kms_key_not_found", "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, doc := preflight(t, stack.Full, kmsArgs(tt.key)...)
			if r.Code != 3 {
				t.Fatalf("want exit 3: %s", r)
			}
			status, code, detail, remedy := doc.check(t, "key")
			if status != "FAIL" || code != tt.code || !strings.Contains(detail, tt.state) || remedy == "" {
				t.Fatalf("key %s %s %s\n%s", status, code, detail, doc)
			}
		})
	}
}

// The gate refuses the ViaService user's direct KMS calls while S3's go
// through: a key usable only through S3. The upload would work: exit 0
// with a WARN.
func TestPreflightViaService(t *testing.T) {
	stack.SetDenyDirectKMS(stack.ViaService.Name)
	t.Cleanup(func() { stack.SetDenyDirectKMS() })
	r, doc := preflight(t, stack.ViaService, kmsArgs(stack.KeyARN)...)
	if r.Code != 0 || doc.Verdict != "WARN" {
		t.Fatalf("want exit 0 with WARN: %s", r)
	}
	if status, _, detail, _ := doc.check(t, "round trip"); status != "WARN" || !strings.Contains(detail, "kms:ViaService") {
		t.Errorf("round trip %s %s", status, detail)
	}
	if status, _, _, _ := doc.check(t, "canary"); status != "PASS" {
		t.Errorf("canary %s\n%s", status, doc)
	}
	if status, _, _, _ := doc.check(t, "reconcile"); status != "WARN" {
		t.Errorf("reconcile %s\n%s", status, doc)
	}
}

// A user without s3:PutObject: KMS is fine, S3 refuses: blamed on S3.
func TestPreflightNoPutObject(t *testing.T) {
	r, doc := preflight(t, stack.NoPutObject, kmsArgs(stack.KeyARN)...)
	if r.Code != 3 {
		t.Fatalf("want exit 3: %s", r)
	}
	if status, _, _, _ := doc.check(t, "round trip"); status != "PASS" {
		t.Errorf("round trip %s\n%s", status, doc)
	}
	status, code, _, remedy := doc.check(t, "canary")
	if status != "FAIL" || code != "s3_access_denied" || strings.Contains(remedy, "kms:") {
		t.Errorf("canary %s %s\n%s\n%s", status, code, remedy, doc)
	}
}

func TestPreflightBadInput(t *testing.T) {
	src, _ := makeFile(t, size.KiB)
	tests := []struct {
		name string
		args []string
	}{
		{"no key", []string{"preflight", "s3://" + stack.Bucket}},
		{"not an S3 URL", []string{"preflight", "bucket/key"}},
		{"source and size", []string{"preflight", target("x"), "--source", src, "--size", "1MiB"}},
		{"missing source", []string{"preflight", target("x"), "--source", src + ".missing"}},
		{"bad size", []string{"preflight", target("x"), "--size", "lots"}},
		{"bad SSE", []string{"preflight", target("x"), "--sse", "rot13"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, stack.Full, tt.args...)
			if r.Code != 2 {
				t.Fatalf("want exit 2: %s", r)
			}
		})
	}
}
