package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// `uploader uploads list --json` prints one document, on success and on
// failure; docs/json-events.md documents it, and this is that schema.
var uploadsListSchema = jsonSchema{
	"bucket": req(jString),
	"prefix": req(jString),
	"uploads": {typ: jArray, items: &jsonField{typ: jObject, fields: jsonSchema{
		"key":             {typ: jString, required: true, nonEmpty: true},
		"upload_id":       {typ: jString, required: true, nonEmpty: true},
		"initiated":       {typ: jString, required: true, nonEmpty: true},
		"source":          opt(jString),
		"journaled_parts": {typ: jInt, min: ge(1)},
		"journaled_bytes": {typ: jInt, min: ge(1)},
	}}},
	"error":     {typ: jString, nonEmpty: true},
	"exit_code": {typ: jInt, min: ge(0)},
	"diagnosis": {typ: jObject, fields: diagnosisSchema},
}

// checkUploadsList validates one `uploads list --json` document: the
// schema, then uploads on success xor error and exit_code on failure.
func checkUploadsList(out string) (map[string]any, []string) {
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, []string{fmt.Sprintf("not one JSON object: %v", err)}
	}
	if dec.More() {
		return m, []string{"more than one JSON value"}
	}
	var errs []string
	uploadsListSchema.check("uploads list", m, &errs)
	_, hasUploads := m["uploads"]
	_, hasError := m["error"]
	_, hasCode := m["exit_code"]
	switch {
	case hasUploads && (hasError || hasCode || m["diagnosis"] != nil):
		errs = append(errs, "uploads together with error, exit_code or diagnosis")
	case !hasUploads && !(hasError && hasCode):
		errs = append(errs, "neither uploads nor error with exit_code")
	}
	return m, errs
}

// Every documented field is named in the document, and its examples
// validate.
func TestUploadsListJSONDoc(t *testing.T) {
	doc := readJSONDoc(t)
	for f := range uploadsListSchema {
		if !strings.Contains(doc, "`"+f+"`") {
			t.Errorf("uploads list field %q is not in docs/json-events.md", f)
		}
	}
	n := 0
	for _, b := range strings.Split(doc, "```json\n")[1:] {
		out := b[:strings.Index(b, "```")]
		if !strings.HasPrefix(out, "{\n") {
			continue // an event stream, one object a line
		}
		n++
		if _, errs := checkUploadsList(out); len(errs) > 0 {
			t.Errorf("uploads list example breaks the schema: %v\n%s", errs, out)
		}
	}
	if n < 2 {
		t.Errorf("%d uploads list examples in docs/json-events.md, want one of success and one of failure", n)
	}
}

// On a failure stdout still holds one document: the error, the exit code
// the process exits with, and the diagnosis when there is one; stderr the
// human line.
func TestUploadsListJSONError(t *testing.T) {
	tests := []struct {
		name, url string
		code      int
		diagnosis string
	}{
		{"no such bucket", "s3://no-such-bucket-uploader-e2e", 3, "bucket_not_found"},
		{"not an S3 URL", "no-scheme", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, stack.Full, "uploads", "list", tt.url, "--json")
			if r.Code != tt.code {
				t.Fatalf("want exit %d: %s", tt.code, r)
			}
			m, errs := checkUploadsList(r.Stdout)
			if len(errs) > 0 {
				t.Fatalf("%v: %s", errs, r)
			}
			if got := fmt.Sprint(m["exit_code"]); got != fmt.Sprint(tt.code) {
				t.Errorf("exit_code %s, process exited %d", got, r.Code)
			}
			d, _ := m["diagnosis"].(map[string]any)
			if tt.diagnosis != "" && (d == nil || d["code"] != tt.diagnosis) {
				t.Errorf("diagnosis %v, want %s", d, tt.diagnosis)
			}
			if !strings.HasPrefix(r.Stderr, "uploader: ") {
				t.Errorf("no human line on stderr: %s", r)
			}
		})
	}
	// Success: uploads is [] when there are none, never null or absent.
	r := runCLI(t, stack.Full, "uploads", "list", "s3://"+stack.Bucket+"/no-such-prefix-"+strings.ReplaceAll(t.Name(), "/", "_"), "--json")
	m, errs := checkUploadsList(r.Stdout)
	if r.Code != 0 || len(errs) > 0 || !bytes.Contains([]byte(r.Stdout), []byte(`"uploads": []`)) {
		t.Errorf("%v %v: %s", errs, m, r)
	}
}
