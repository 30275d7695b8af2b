package preflight

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCanaryKeyStaysWithinS3sLimit(t *testing.T) {
	tests := []struct {
		name, key  string
		wantPrefix string // the canary key starts with it
	}{
		{"short key: the key itself", "backups/db.tar", "backups/db.tar.uploader-preflight-"},
		{"1024-byte key: its last segment gives way", "dir/" + strings.Repeat("x", 1020), "dir/xxx"},
		{"multi-byte runes: cut on a rune boundary", "d/" + strings.Repeat("é", 511), "d/é"},
		{"a prefix longer than the room: cut anyway", strings.Repeat("p", 1010) + "/f", "ppp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := canaryKey(tt.key)
			if len(got) > maxKeyLen {
				t.Fatalf("canary key is %d bytes, over S3's %d", len(got), maxKeyLen)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("canary key is not valid UTF-8: %q", got)
			}
			if !strings.HasPrefix(got, tt.wantPrefix) {
				t.Fatalf("canary key %q does not start with %q", got, tt.wantPrefix)
			}
			if !strings.Contains(got, ".uploader-preflight-") {
				t.Fatalf("canary key %q lost its marker", got)
			}
		})
	}
}
