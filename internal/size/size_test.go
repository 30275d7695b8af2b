package size

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"1048576", MiB, false},
		{"8MiB", 8 * MiB, false},
		{"8mib", 8 * MiB, false},
		{"8 MiB", 8 * MiB, false},
		{"8M", 8 * MiB, false},
		{"8MB", 8_000_000, false},
		{"5GiB", 5 * GiB, false},
		{"1.5GiB", 3 * GiB / 2, false},
		{"100KiB", 100 * KiB, false},
		{"10B", 10, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"-1", 0, true},
		{"-1MiB", 0, true},
		{"abc", 0, true},
		{"8XB", 0, true},
		{"99999999999999999999", 0, true},
		{"9999999999TiB", 0, true},
		{"NaN", 0, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {KiB, "1 KiB"}, {8 * MiB, "8 MiB"},
		{3 * GiB / 2, "1.5 GiB"}, {5 * TiB, "5 TiB"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"8MiB", "1.5GiB", "100", "-1", "1e3", "9999999999TiB", " 5 g "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && n < 0 {
			t.Fatalf("Parse(%q) = %d: negative size accepted", s, n)
		}
	})
}
