package size

import (
	"strings"
	"testing"
)

func TestParseAWSSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string // substring of the error; "" = no error
	}{
		{"8388608", 8 * MiB, ""},
		{"0", 0, ""}, // the parser takes 0; callers decide what 0 means
		{"+8", 8, ""},
		{"8MB", 8 * MiB, ""}, // binary, as the aws CLI
		{"8mb", 8 * MiB, ""},
		{"8 MB", 8 * MiB, ""},
		{"8MiB", 8 * MiB, ""},
		{"64KB", 64 * KiB, ""},
		{"64kib", 64 * KiB, ""},
		{"5GB", 5 * GiB, ""},
		{"2TB", 2 * TiB, ""},
		{"1TiB", TiB, ""},
		{"1.5GB", 3 * GiB / 2, ""},
		{"4.35MB", 4561305, ""}, // 4.35 x 1048576 = 4561305.6, floored exactly
		{".5MB", MiB / 2, ""},
		{"5.MB", 5 * MiB, ""},
		{"0.0000001KB", 0, ""},
		{"1024B", 1024, ""},
		{"  16MB  ", 16 * MiB, ""},
		{"", 0, "empty"},
		{"MB", 0, "no number"},
		{"8M", 0, "not a number"}, // the aws CLI rejects single letters too
		{"8K", 0, "not a number"},
		{"8PB", 0, "not a number"},
		{"-8MB", 0, "negative"},
		{"1.5", 0, "fraction of a byte"},
		{"1e6", 0, "not a number"},
		{"1.2.3MB", 0, "not a number"},
		{"0x10", 0, "not a number"},
		{"NaN", 0, "not a number"},
		{"Inf", 0, "not a number"},
		{"8MB/s", 0, "not a number"},
		{"9223372036854775807", 1<<63 - 1, ""},
		{"9223372036854775808", 0, "too large"},
		{"8388608TB", 0, "too large"},
		{"99999999999999999999999999999999999999MB", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseAWSSize(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAWSSize(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAWSSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseAWSRate(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"50MB/s", 50 * MiB, ""},
		{"50mB/s", 50 * MiB, ""}, // the aws CLI lowercases the unit, not "B/s"
		{"800KB/s", 800 * KiB, ""},
		{"1.5GiB/s", 3 * GiB / 2, ""},
		{"1000B/s", 1000, ""},
		{" 10 MB/s ", 10 * MiB, ""},
		{"50Mb/s", 0, "B/s"}, // bits elsewhere: not guessed
		{"50mb/s", 0, "B/s"},
		{"50MB/S", 0, "B/s"},
		{"50MB", 0, "not a rate"},
		{"1048576", 0, "not a rate"}, // the aws CLI rejects a bare number too
		{"B/s", 0, "not a rate"},
		{"/s", 0, "not a rate"},
		{"-1MB/s", 0, "not a rate"},
		{"", 0, "not a rate"},
	}
	for _, tt := range tests {
		got, err := ParseAWSRate(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAWSRate(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAWSRate(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseAWSSize(f *testing.F) {
	for _, s := range []string{"8388608", "8MB", "1.5GiB", ".5kb", "8M", "-1MB", "1e9", "9223372036854775808", "", "MB", " 1 TB ", "0.0000000001TB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseAWSSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseAWSSize(%q) = %d, negative", s, n)
		}
		// A rate is the same size with B/s; it must agree when the size has
		// a unit (a bare number is not a rate).
		if t2 := strings.TrimSpace(s); strings.HasSuffix(t2, "B") {
			if r, err := ParseAWSRate(t2 + "/s"); err != nil || r != n {
				t.Fatalf("ParseAWSRate(%q B/s) = %d, %v; size was %d", s, r, err, n)
			}
		}
	})
}

func FuzzParseAWSRate(f *testing.F) {
	for _, s := range []string{"50MB/s", "800KB/s", "1000B/s", "50Mb/s", "1048576", "B/s", "1.5GiB/s", "-1MB/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseAWSRate(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseAWSRate(%q) = %d, negative", s, n)
		}
	})
}
