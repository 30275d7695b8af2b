package upload

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// SSE modes, as S3 and `aws s3 cp --sse` name them.
const (
	SSENone    = ""
	SSEKMS     = "aws:kms"
	SSEKMSDSSE = "aws:kms:dsse"
	SSES3      = "AES256"
)

// SSE is the server-side encryption requested for an object.
type SSE struct {
	Mode     string // SSENone, SSEKMS, SSEKMSDSSE or SSES3
	KMSKeyID string // key id, key ARN or alias/NAME; "" = the bucket default or aws/s3
	// Context is the user's encryption context, merged by S3 with its own
	// aws:s3:arn entry.
	Context map[string]string
	// BucketKey requests S3 Bucket Keys; nil leaves the bucket's setting.
	BucketKey *bool
}

// IsKMS reports whether S3 will call KMS for this object.
func (s SSE) IsKMS() bool { return s.Mode == SSEKMS || s.Mode == SSEKMSDSSE }

// Validate checks the combination of settings, before any request; the
// error is an *SSEError.
func (s SSE) Validate() error {
	switch s.Mode {
	case SSENone, SSEKMS, SSEKMSDSSE, SSES3:
	default:
		return &SSEError{Field: "Mode", Msg: fmt.Sprintf("%q is not a server-side encryption mode: use aws:kms, aws:kms:dsse or AES256", s.Mode)}
	}
	if !s.IsKMS() {
		switch {
		case s.KMSKeyID != "":
			return &SSEError{Field: "KMSKeyID", Msg: "a KMS key needs the mode aws:kms (or aws:kms:dsse)"}
		case len(s.Context) > 0:
			return &SSEError{Field: "Context", Msg: "an encryption context needs the mode aws:kms (or aws:kms:dsse)"}
		case s.BucketKey != nil && *s.BucketKey:
			return &SSEError{Field: "BucketKey", Msg: "an S3 Bucket Key needs the mode aws:kms"}
		}
	}
	for k := range s.Context {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return &SSEError{Field: "Context", Msg: fmt.Sprintf("encryption context key %q is reserved: keys starting with aws: are set by S3", k)}
		}
	}
	return nil
}

// ContextHeader is the x-amz-server-side-encryption-context value: base64
// of the JSON object, "" when there is no user context.
func (s SSE) ContextHeader() string {
	if len(s.Context) == 0 {
		return ""
	}
	b, _ := json.Marshal(s.Context) // a map[string]string always marshals
	return base64.StdEncoding.EncodeToString(b)
}

// ParseContext reads an encryption context written as a JSON object of
// string values (the aws CLI's --sse-kms-context).
func ParseContext(js string) (map[string]string, error) {
	if strings.TrimSpace(js) == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return nil, fmt.Errorf("the encryption context is not a JSON object of strings (e.g. '{\"project\":\"backup\"}'): %v", err)
	}
	if m == nil {
		return nil, fmt.Errorf("the encryption context must be a JSON object, e.g. '{\"project\":\"backup\"}'")
	}
	return m, nil
}

// ParseMetadata reads metadata written as the aws CLI's --metadata takes
// it: k=v,k2=v2 or a JSON object.
func ParseMetadata(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "{") {
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("the metadata is not a JSON object of strings: %v", err)
		}
		return m, nil
	}
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("metadata entry %q is not KEY=VALUE: write it as k1=v1,k2=v2", kv)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("metadata key %q appears twice", k)
		}
		m[k] = v
	}
	return m, nil
}

// sortedKeys is for stable messages.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// normalized is a stable text of the settings, for the resume journal:
// an interrupted upload resumes only with the same encryption.
func (s SSE) normalized() string {
	if s.Mode == SSENone {
		return ""
	}
	var b strings.Builder
	b.WriteString(s.Mode)
	if s.KMSKeyID != "" {
		b.WriteString(" key=" + s.KMSKeyID)
	}
	for _, k := range sortedKeys(s.Context) {
		b.WriteString(" ctx:" + k + "=" + s.Context[k])
	}
	if s.BucketKey != nil {
		fmt.Fprintf(&b, " bucket-key=%v", *s.BucketKey)
	}
	return b.String()
}

// SSEError is an SSE whose settings do not go together. Field names the
// SSE field at fault ("Mode", "KMSKeyID", "Context", "BucketKey"), so a
// program can name its own option for it.
type SSEError struct {
	Field string
	Msg   string
}

func (e *SSEError) Error() string { return "server-side encryption: " + e.Msg }

// StoredAs reports whether an object S3 says it stored with encryption
// mode and key ARN has the encryption s asks for. Asking for none (the
// bucket default) matches anything; the CLI's --skip-existing asks it too.
func (s SSE) StoredAs(mode, keyARN string) bool {
	if s.Mode == SSENone {
		return true
	}
	return mode == s.Mode && (!s.IsKMS() || sameKey(s.KMSKeyID, keyARN))
}

// sameKey compares the key asked for (id, ARN, alias, or "" for the
// default) with the key ARN S3 reports. An alias or the default cannot be
// compared without KMS, so only a reported key is required then.
func sameKey(want, got string) bool {
	switch {
	case want == "":
		return true // the default key (aws/s3 or the bucket's): nothing to compare
	case got == "":
		return false
	case strings.HasPrefix(want, "alias/") || strings.Contains(want, ":alias/"):
		return true
	case strings.HasPrefix(want, "arn:"):
		return want == got
	default: // a bare key id
		return got == want || strings.HasSuffix(got, ":key/"+want)
	}
}
