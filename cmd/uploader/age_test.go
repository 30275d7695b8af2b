package main

import (
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"7d", 7 * 24 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"12h", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"36h30m", 36*time.Hour + 30*time.Minute, false},
		{"0d", 0, false},
		{"0s", 0, false},
		{"0", 0, false},
		{"-1h", 0, true},
		{"d", 0, true},
		{"7", 0, true},
		{"soon", 0, true},
		{"1e9d", 0, true},
	}
	for _, tt := range tests {
		got, err := parseAge(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseAge(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"7d", "12h", "1.5d", "-3d", "NaNd", "Infd", "1e308d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := parseAge(s); err == nil && d < 0 {
			t.Fatalf("parseAge(%q) = %v: a negative age accepted", s, d)
		}
	})
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"50MiB/s", "100MB/s", "1048576", "0/s", "-1MiB/s", "x/s", "1e3/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parseRate(s); err == nil && n <= 0 {
			t.Fatalf("parseRate(%q) = %d: a non-positive rate accepted", s, n)
		}
	})
}
