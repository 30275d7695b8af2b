package journal

import (
	"strings"
	"testing"
	"time"
)

func TestIdentityID(t *testing.T) {
	a := Identity{Source: "/a/b", Bucket: "c", Key: "d"}
	tests := []struct {
		name string
		id   Identity
	}{
		{"bucket/key boundary", Identity{Source: "/a/b", Bucket: "cd", Key: ""}},
		{"source/bucket boundary", Identity{Source: "/a/bc", Bucket: "", Key: "d"}},
		{"other key", Identity{Source: "/a/b", Bucket: "c", Key: "e"}},
	}
	if again := (Identity{Source: "/a/b", Bucket: "c", Key: "d"}); a.ID() != again.ID() || len(a.ID()) != 32 || strings.Trim(a.ID(), "0123456789abcdef") != "" {
		t.Fatalf("ID %q is not stable 32 lowercase hex", a.ID())
	}
	// Pinned: changing it would orphan every journal on disk.
	if got := a.ID(); got != idOfA {
		t.Fatalf("ID changed: %s", got)
	}
	for _, tt := range tests {
		if tt.id.ID() == a.ID() {
			t.Errorf("%s: same ID as %v", tt.name, a)
		}
	}
}

const idOfA = "6dfa3cd6cb2c7925258c625c84d6e37d"

func TestMatches(t *testing.T) {
	r := Record{Settings: testSettings}
	tests := []struct {
		name string
		edit func(*Settings)
		want string // "" when it must match
	}{
		{"same", func(*Settings) {}, ""},
		{"same instant, other zone", func(s *Settings) { s.ModTime = s.ModTime.In(time.FixedZone("X", -7*3600)) }, ""},
		{"size", func(s *Settings) { s.Size = 101 << 20 }, "the source's size changed: 40 MiB then, 101 MiB now"},
		{"size by one byte", func(s *Settings) { s.Size++ }, "the source's size changed: 41943163 bytes then, 41943164 bytes now"},
		{"mtime by a nanosecond", func(s *Settings) { s.ModTime = s.ModTime.Add(1) },
			"the source's modification time changed: 2025-03-04T05:06:07.123456789Z then, 2025-03-04T05:06:07.12345679Z now"},
		{"part size", func(s *Settings) { s.PartSize = 16 << 20 }, "the part size changed: 8 MiB then, 16 MiB now"},
		{"sse", func(s *Settings) { s.SSE = "" }, `the encryption settings changed: "aws:kms;key=arn:aws:kms:eu-west-1:111122223333:key/abcd;bucket-key=true" then, none now`},
		{"checksum", func(s *Settings) { s.Checksum = "CRC32/COMPOSITE" }, `the checksum setting changed: "CRC64NVME/FULL_OBJECT" then, "CRC32/COMPOSITE" now`},
		{"two at once", func(s *Settings) { s.PartSize = 16 << 20; s.Checksum = "" },
			`the part size changed: 8 MiB then, 16 MiB now; the checksum setting changed: "CRC64NVME/FULL_OBJECT" then, none now`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSettings
			tt.edit(&s)
			ok, why := r.Matches(s)
			if ok != (tt.want == "") || why != tt.want {
				t.Fatalf("Matches = %v, %q; want %q", ok, why, tt.want)
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	tests := []struct {
		name, xdg, home, want string
	}{
		{"XDG_STATE_HOME set", "/x/state", "/home/u", "/x/state/uploader"},
		{"XDG_STATE_HOME unset", "", "/home/u", "/home/u/.local/state/uploader"},
		{"XDG_STATE_HOME relative is ignored", "rel/state", "/home/u", "/home/u/.local/state/uploader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			got, err := DefaultDir()
			if err != nil || got != tt.want {
				t.Fatalf("DefaultDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("no home", func(t *testing.T) {
		t.Setenv("XDG_STATE_HOME", "")
		t.Setenv("HOME", "")
		if got, err := DefaultDir(); err == nil {
			t.Fatalf("DefaultDir = %q without a home", got)
		}
	})
}
