package s3url

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    URL
		wantErr bool
	}{
		{"s3://bucket/key", URL{"bucket", "key"}, false},
		{"s3://bucket/dir/key.tar", URL{"bucket", "dir/key.tar"}, false},
		{"s3://bucket", URL{"bucket", ""}, false},
		{"s3://bucket/", URL{"bucket", ""}, false},
		{"s3://my.bucket-1/a b", URL{"my.bucket-1", "a b"}, false},
		{"bucket/key", URL{}, true},
		{"s3:/bucket/key", URL{}, true},
		{"s3://", URL{}, true},
		{"s3:///key", URL{}, true},
		{"s3://ab/key", URL{}, true},
		{"s3://bu*cket/key", URL{}, true},
		{"S3://bucket/key", URL{}, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		in, base string
		want     string
		wantErr  bool
	}{
		{"s3://b1b/k", "f.bin", "k", false},
		{"s3://b1b/dir/", "f.bin", "dir/f.bin", false},
		{"s3://b1b", "f.bin", "f.bin", false},
		{"s3://b1b/", "", "", true},
	}
	for _, tt := range tests {
		got, err := ParseObject(tt.in, tt.base)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseObject(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got.Key != tt.want {
			t.Errorf("ParseObject(%q).Key = %q, want %q", tt.in, got.Key, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"s3://bucket/key", "s3://b", "s3:///", "s3://a.b/c/d/", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			return
		}
		if u.Bucket == "" {
			t.Fatalf("Parse(%q) accepted an empty bucket", s)
		}
		if back, err := Parse(u.String()); err != nil || back != u {
			t.Fatalf("round trip of %q: %+v, %v", s, back, err)
		}
	})
}
