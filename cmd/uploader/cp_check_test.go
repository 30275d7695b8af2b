package main

import (
	"strings"
	"testing"
)

func TestCheckStorageClass(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"", "", false},
		{"STANDARD_IA", "STANDARD_IA", false},
		{"glacier_ir", "GLACIER_IR", false}, // S3 wants it upper-case
		{"INTELLIGENT_TIERING", "INTELLIGENT_TIERING", false},
		{"BOGUS", "", true},
		{"STANDARD ", "", true},
	}
	for _, tt := range tests {
		o := &objectFlags{storageClass: tt.in}
		err := o.checkStorageClass()
		if (err != nil) != tt.wantErr || (err == nil && o.storageClass != tt.want) {
			t.Errorf("checkStorageClass(%q) = %q, %v; want %q, error %v", tt.in, o.storageClass, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "STANDARD_IA") {
			t.Errorf("the error does not list the classes: %v", err)
		}
	}
}

func TestUploadOnly(t *testing.T) {
	for src, wantErr := range map[string]bool{"s3://b/k": true, "s3://b": true, "./s3:/x": false, "-": false, "/tmp/f": false} {
		if err := uploadOnly(src); (err != nil) != wantErr {
			t.Errorf("uploadOnly(%q) = %v, want error %v", src, err, wantErr)
		}
	}
}
