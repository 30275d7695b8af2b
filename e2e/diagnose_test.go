package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

// resultLine parses the last line of --json output, the result object.
func resultLine(t *testing.T, r cliResult) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last stdout line is not JSON: %v\n%s", err, r)
	}
	if m["event"] != "result" {
		t.Fatalf("last line is not the result: %v", m)
	}
	return m
}

func diagnosisOf(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	d, ok := m["diagnosis"].(map[string]any)
	if !ok {
		t.Fatalf("result has no diagnosis: %v", m)
	}
	return d
}

// The user without kms:Decrypt, multipart, no preflight: the bare
// AccessDenied on UploadPart becomes missing_kms_decrypt with the right
// principal and key, and the denied part is not retried.
func TestDiagnoseMissingDecrypt(t *testing.T) {
	src, _ := makeFile(t, 40*size.MiB)
	stack.ResetCounts()
	r := runCLI(t, stack.NoDecrypt, "cp", src, target(uniqueKey(t, "obj")), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json")
	if r.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.Code, r)
	}
	d := diagnosisOf(t, resultLine(t, r))
	want := map[string]any{"code": "missing_kms_decrypt", "operation": "UploadPart", "principal": stack.NoDecrypt.ARN, "key": stack.KeyARN}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("diagnosis %s = %v, want %v", k, d[k], v)
		}
	}
	for _, k := range []string{"upload_id", "request_id", "message", "remedy", "part"} {
		if d[k] == nil || d[k] == "" {
			t.Errorf("diagnosis has no %s: %v", k, d)
		}
	}
	c := stack.Counts()
	denied := c.Status(stack.NoDecrypt.Name, "UploadPart", 403)
	if denied == 0 || denied > 5 {
		// 5 parts go out at once; each denied part must be sent once only.
		t.Errorf("%d denied UploadPart requests: want 1 to 5, no retries", denied)
	}
	if got := c.Requests(stack.NoDecrypt.Name, "UploadPart"); got > 5 {
		t.Errorf("%d UploadPart requests for 5 parts: denied parts were retried or more were started", got)
	}
	for _, s := range []string{"kms:Decrypt", stack.NoDecrypt.ARN, stack.KeyARN, "UploadPart, part", "GenerateDataKey"} {
		if !strings.Contains(r.Stderr, s) {
			t.Errorf("stderr does not name %q:\n%s", s, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "uploader: operation error") {
		t.Errorf("stderr has the bare SDK error:\n%s", r.Stderr)
	}
}

// Without kms:GenerateDataKey, CreateMultipartUpload is denied; without
// preflight the cause is one of two, and both are named.
func TestDiagnoseMissingGenerateDataKeyNoPreflight(t *testing.T) {
	src, _ := makeFile(t, 10*size.MiB)
	r := runCLI(t, stack.NoGenerateDataKey, "cp", src, target(uniqueKey(t, "obj")), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json")
	if r.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.Code, r)
	}
	d := diagnosisOf(t, resultLine(t, r))
	if d["operation"] != "CreateMultipartUpload" {
		t.Errorf("operation %v, want CreateMultipartUpload", d["operation"])
	}
	if c := d["code"]; c != "missing_kms_generate_data_key" && c != "s3_access_denied" {
		t.Errorf("code %v", c)
	}
	if !strings.Contains(r.Stderr, "kms:GenerateDataKey") {
		t.Errorf("stderr does not name kms:GenerateDataKey:\n%s", r.Stderr)
	}
}

// A user with every KMS permission but no s3:PutObject: S3 is blamed, not KMS.
func TestDiagnoseNoPutObject(t *testing.T) {
	src, _ := makeFile(t, 10*size.MiB)
	r := runCLI(t, stack.NoPutObject, "cp", src, target(uniqueKey(t, "obj")), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json")
	if r.Code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.Code, r)
	}
	d := diagnosisOf(t, resultLine(t, r))
	if d["code"] != "s3_access_denied" {
		t.Fatalf("code %v, want s3_access_denied", d["code"])
	}
}
