package upload

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"", nil, false},
		{"a=1", map[string]string{"a": "1"}, false},
		{"a=1,b=x=y", map[string]string{"a": "1", "b": "x=y"}, false},
		{"a=", map[string]string{"a": ""}, false},
		{`{"a":"1","b":"2"}`, map[string]string{"a": "1", "b": "2"}, false},
		{"a", nil, true},
		{"=1", nil, true},
		{"a=1,a=2", nil, true},
		{"a=1,", nil, true},
		{`{"a":1}`, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseMetadata(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParseMetadata(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseContextAndHeader(t *testing.T) {
	m, err := ParseContext(`{"project":"backup","env":"prod"}`)
	if err != nil {
		t.Fatal(err)
	}
	s := SSE{Mode: SSEKMS, Context: m}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s.ContextHeader())
	var back map[string]string
	if err != nil || json.Unmarshal(raw, &back) != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("header %q does not round-trip", s.ContextHeader())
	}
	for _, bad := range []string{"{", "[]", "null", `{"a":1}`, `"x"`} {
		if _, err := ParseContext(bad); err == nil {
			t.Errorf("ParseContext(%q) accepted", bad)
		}
	}
	if err := (SSE{Mode: SSEKMS, Context: map[string]string{"aws:s3:arn": "x"}}).Validate(); err == nil {
		t.Error("a reserved aws: context key was accepted")
	}
}

func FuzzParseMetadata(f *testing.F) {
	for _, s := range []string{"a=1,b=2", `{"a":"1"}`, "a", "=", ",,", "a=1,a=1", `{"a":null}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMetadata(s)
		if err != nil {
			return
		}
		for k := range m {
			if k == "" && s != "" && s[0] != '{' {
				t.Fatalf("ParseMetadata(%q) accepted an empty key", s)
			}
		}
	})
}

func FuzzParseContext(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, "{}", "", "null", `{"aws:x":"y"}`, `{"a":"\u0000"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseContext(s)
		if err != nil || len(m) == 0 {
			return
		}
		h := SSE{Mode: SSEKMS, Context: m}.ContextHeader()
		raw, err := base64.StdEncoding.DecodeString(h)
		var back map[string]string
		if err != nil || json.Unmarshal(raw, &back) != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("context %q: header %q does not round-trip", s, h)
		}
	})
}
