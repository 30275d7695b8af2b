package diagnose

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRoleARN(t *testing.T) {
	for in, want := range map[string]string{
		sessARN: roleARN,
		"arn:aws-cn:sts::111122223333:assumed-role/R/s": "arn:aws-cn:iam::111122223333:role/R",
		userARN: userARN,
		"arn:aws:sts::111122223333:federated-user/bob": "arn:aws:sts::111122223333:federated-user/bob",
		"arn:aws:iam::111122223333:root":               "arn:aws:iam::111122223333:root",
		"":                                             "",
		"not-an-arn":                                   "not-an-arn",
	} {
		if got := RoleARN(in); got != want {
			t.Errorf("RoleARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccountOf(t *testing.T) {
	for in, want := range map[string]string{keyARN: acct, userARN: acct, xKeyARN: otherAcct, "alias/x": "", "1234abcd": "", "": ""} {
		if got := AccountOf(in); got != want {
			t.Errorf("AccountOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEnhanced(t *testing.T) {
	e := parseEnhanced("User: " + sessARN + " is not authorized to perform: kms:Decrypt on resource: " + keyARN + " because no identity-based policy allows the kms:Decrypt action")
	if e == nil || e.Principal != sessARN || e.Action != "kms:Decrypt" || e.Resource != keyARN || !strings.HasPrefix(e.Reason, "no identity-based") {
		t.Fatalf("got %+v", e)
	}
	e = parseEnhanced(`User: ` + userARN + ` is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a resource-based policy`)
	if e == nil || e.Resource != "arn:aws:s3:::b/k" || !e.explicitDeny() {
		t.Fatalf("got %+v", e)
	}
	if parseEnhanced("Access Denied") != nil {
		t.Fatal("bare message parsed")
	}
}

func TestStatements(t *testing.T) {
	type doc struct {
		Version   string
		Statement []map[string]any
	}
	t.Run("same account", func(t *testing.T) {
		kp, ip, both := Statements(sessARN, keyARN, "kms:Decrypt")
		if both {
			t.Error("same account: both must be false")
		}
		var k map[string]any
		if err := json.Unmarshal([]byte(kp), &k); err != nil {
			t.Fatalf("key policy not JSON: %v\n%s", err, kp)
		}
		if k["Principal"].(map[string]any)["AWS"] != roleARN || k["Resource"] != "*" || k["Effect"] != "Allow" {
			t.Errorf("key policy statement: %s", kp)
		}
		var d doc
		if err := json.Unmarshal([]byte(ip), &d); err != nil {
			t.Fatalf("IAM policy not JSON: %v\n%s", err, ip)
		}
		if d.Version != "2012-10-17" || len(d.Statement) != 1 || d.Statement[0]["Resource"] != keyARN ||
			d.Statement[0]["Action"].([]any)[0] != "kms:Decrypt" {
			t.Errorf("IAM policy: %s", ip)
		}
		if !strings.Contains(kp, "\n  ") {
			t.Error("not indented")
		}
	})
	t.Run("cross account", func(t *testing.T) {
		_, _, both := Statements(userARN, xKeyARN, "kms:Decrypt", "kms:GenerateDataKey")
		if !both {
			t.Error("cross account: both must be true")
		}
	})
	t.Run("unknowns become placeholders", func(t *testing.T) {
		kp, ip, both := Statements("", "alias/uploads", "kms:Decrypt")
		if both || !strings.Contains(kp, principalPlaceholder) || !strings.Contains(ip, keyPlaceholder) {
			t.Errorf("got both=%v\n%s\n%s", both, kp, ip)
		}
	})
}

func TestCrossAccountRemedySaysBoth(t *testing.T) {
	d := Classify(s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), Context{
		Operation: "UploadPart", Part: 1, Parts: 3, SSE: "aws:kms", Key: xKeyARN, Principal: sessARN, MultipartCreated: true, UploadID: "U", Proof: ProofDecryptDenied,
	})
	if d == nil || d.Code != MissingKMSDecrypt {
		t.Fatalf("got %+v", d)
	}
	for _, s := range []string{"BOTH statements are needed", otherAcct, acct, `"AWS": "` + roleARN + `"`, `"Resource": "` + xKeyARN + `"`, "role ARN was derived"} {
		if !strings.Contains(d.Remedy, s) {
			t.Errorf("remedy lacks %q:\n%s", s, d.Remedy)
		}
	}
	if d.Principal != roleARN {
		t.Errorf("Principal = %q, want the role ARN", d.Principal)
	}
}
