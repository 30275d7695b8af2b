package diagnose

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Placeholders used in JSON when the real value is unknown; the remedy text
// says how to find it.
const (
	principalPlaceholder = "<PRINCIPAL_ARN>"
	keyPlaceholder       = "<KMS_KEY_ARN>"
)

type statement struct {
	Sid       string            `json:"Sid,omitempty"`
	Effect    string            `json:"Effect"`
	Principal map[string]string `json:"Principal,omitempty"`
	Action    []string          `json:"Action"`
	Resource  string            `json:"Resource"`
}

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// Statements returns ready-to-paste JSON (indented) for the key policy and
// the IAM policy that grant actions (e.g. "kms:Decrypt") on keyARN to
// principal.
//
// keyPolicy is one statement, to add to the key policy's Statement list
// (replacing a key policy with it would lock the key's administrators out);
// iamPolicy is a whole policy document, to attach as an inline policy. An
// assumed-role session ARN is mapped to its role ARN, since sessions come
// and go. An unknown principal or a key that is not a key ARN (an alias or
// id: IAM Resource needs the ARN) becomes a placeholder.
//
// both is true when the key's account differs from the principal's: then
// both statements are required. In the same account the key policy must
// allow the principal either directly or by delegating to the account (the
// default "Enable IAM User Permissions" statement), in which case the IAM
// statement is what is missing.
func Statements(principal, keyARN string, actions ...string) (keyPolicy, iamPolicy string, both bool) {
	p := RoleARN(principal)
	if !isARN(p) {
		p = principalPlaceholder
	}
	k := keyARN
	if !isKMSKeyARN(k) {
		k = keyPlaceholder
	}
	acts := append([]string(nil), actions...)
	kp := statement{
		Sid:       "AllowUploader" + sidSuffix(acts),
		Effect:    "Allow",
		Principal: map[string]string{"AWS": p},
		Action:    acts,
		Resource:  "*", // in a key policy, "*" means this key
	}
	ip := policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid:      "AllowUploader" + sidSuffix(acts),
		Effect:   "Allow",
		Action:   acts,
		Resource: k,
	}}}
	both = AccountOf(p) != "" && AccountOf(k) != "" && AccountOf(p) != AccountOf(k)
	return indentJSON(kp), indentJSON(ip), both
}

// sidSuffix makes a Sid from the actions: "kms:Decrypt" -> "KMSDecrypt".
func sidSuffix(actions []string) string {
	var b strings.Builder
	for _, a := range actions {
		for _, r := range strings.ToUpper(a[:1]) + a[1:] {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
	}
	return strings.Replace(b.String(), "Kms", "KMS", -1)
}

// indentJSON renders v for pasting: indented, and without Go's HTML
// escaping (placeholders would otherwise read \u003cKMS_KEY_ARN\u003e).
func indentJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // only fixed string types are marshalled
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// kmsRemedy is the remedy for a missing KMS permission: both statements
// with the real ARNs, and which of them are needed.
func kmsRemedy(d *Diagnosis, action string) string {
	kp, ip, both := Statements(d.Principal, d.Key, action)
	var b strings.Builder
	who := d.Principal
	if who == "" {
		who = "the caller"
	}
	fmt.Fprintf(&b, "Allow %s to use %s on the key (%s).\n", who, action, orUnknown(d.Key, "key unknown"))
	pa, ka := AccountOf(RoleARN(d.Principal)), AccountOf(d.Key)
	switch {
	case both:
		fmt.Fprintf(&b, "The key is in account %s and the principal in account %s, so BOTH statements are needed: the key policy must allow the principal, and the principal's IAM policy must allow the key.\n", ka, pa)
	case pa != "" && (ka == "" || ka == pa):
		fmt.Fprintf(&b, "The key and the principal are in the same account (%s), so ONE of them is enough: if the key policy has the default \"Enable IAM User Permissions\" statement (Principal arn:aws:iam::%s:root), add the IAM statement; otherwise add the key-policy statement.\n", pa, pa)
	default:
		b.WriteString("If the key is in another account than the principal, both statements are needed; in the same account one is enough: the IAM statement when the key policy has the default \"Enable IAM User Permissions\" statement, the key-policy statement otherwise.\n")
	}
	if strings.Contains(d.Key, "alias/aws/s3") {
		b.WriteString("The key is the AWS managed key aws/s3: its key policy cannot be edited and it cannot be used from another account; use a customer managed key for cross-account uploads.\n")
	}
	b.WriteString("\nKey policy: add this statement to the key policy's \"Statement\" list (aws kms get-key-policy, edit, aws kms put-key-policy; do not replace the whole policy):\n")
	b.WriteString(kp)
	b.WriteString("\n\nIAM policy: attach this to the principal, e.g. as an inline policy (aws iam put-role-policy or put-user-policy):\n")
	b.WriteString(ip)
	b.WriteString("\n")
	b.WriteString(placeholderHelp(d))
	d.Rerun = true
	return strings.TrimSuffix(b.String(), "\n")
}

// placeholderHelp says how to find the values the JSON could not fill in.
func placeholderHelp(d *Diagnosis) string {
	return principalHelp(d) + keyHelp(d)
}

func principalHelp(d *Diagnosis) string {
	var b strings.Builder
	if !isARN(d.Principal) {
		fmt.Fprintf(&b, "Replace %s with your identity's ARN: run `aws sts get-caller-identity`; for an assumed-role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) use the role ARN arn:aws:iam::ACCOUNT:role/ROLE (with its path, if it has one).\n", principalPlaceholder)
	} else if strings.Contains(d.Principal, ":role/") {
		b.WriteString("The role ARN was derived from the session ARN; if the role was created with a path, insert it (arn:aws:iam::ACCOUNT:role/PATH/ROLE).\n")
	}
	return b.String()
}

func keyHelp(d *Diagnosis) string {
	var b strings.Builder
	if !isKMSKeyARN(d.Key) {
		if d.Key != "" {
			fmt.Fprintf(&b, "Replace %s with the ARN of %s: run `aws kms describe-key --key-id %s --query KeyMetadata.Arn`.\n", keyPlaceholder, d.Key, d.Key)
		} else {
			fmt.Fprintf(&b, "Replace %s with the key's ARN: the one passed with the upload, or the bucket's default from `aws s3api get-bucket-encryption --bucket BUCKET`, resolved with `aws kms describe-key --key-id KEY --query KeyMetadata.Arn`.\n", keyPlaceholder)
		}
	}
	return b.String()
}

// s3Remedy is the remedy for an S3-side denial.
func s3Remedy(d *Diagnosis, c Context, alsoKMS bool) string {
	obj := "arn:aws:s3:::" + orUnknown(c.Bucket, "BUCKET") + "/" + orUnknown(c.ObjectKey, "KEY")
	actions := []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}
	for _, a := range append(c.headerActions(), strings.Split(d.Action, " or ")...) {
		if a != "" && !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	ip := indentJSON(policyDoc{Version: "2012-10-17", Statement: []statement{{
		Sid:      "AllowUploaderS3",
		Effect:   "Allow",
		Action:   actions,
		Resource: obj,
	}}})
	need := "s3:PutObject (multipart uploads use the same action)"
	switch {
	case d.Action != "" && d.Action != "s3:PutObject":
		need = d.Action
	case len(c.headerActions()) > 0:
		need += " and, for the request's " + strings.Join(headerNames(c), " and ") + ", " + strings.Join(c.headerActions(), " and ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Make sure %s may write %s: its IAM policy must allow %s, and nothing may deny it: the bucket policy (including conditions on headers such as x-amz-server-side-encryption), a service control policy, a permission boundary or a session policy.\n", orUnknown(d.Principal, "the caller"), obj, need)
	b.WriteString("IAM statement (widen the Resource to arn:aws:s3:::BUCKET/* for other keys):\n")
	b.WriteString(ip)
	b.WriteString("\n")
	if alsoKMS {
		b.WriteString("\nIf S3 is allowed, the missing permission is kms:GenerateDataKey on the key:\n")
		b.WriteString(kmsRemedy(d, "kms:GenerateDataKey"))
	} else {
		b.WriteString(principalHelp(d))
	}
	// A program adds its own way to run a preflight.
	d.PreflightTells = true
	return strings.TrimSuffix(b.String(), "\n")
}

func orUnknown(s, placeholder string) string {
	if s == "" {
		return placeholder
	}
	return s
}
