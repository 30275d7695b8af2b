package main

import (
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

func TestPartSizeNote(t *testing.T) {
	plan := func(sz, ps int64) upload.Plan {
		p, err := upload.MakePlan(sz, upload.PlanOptions{PartSize: ps})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		asked    int64
		p        upload.Plan
		expected int64
		want     []string // "" parts: no note
	}{
		{"as asked", 16 * size.MiB, plan(100*size.MiB, 16*size.MiB), 0, nil},
		{"none asked", 0, plan(100*size.MiB, 0), 0, nil},
		{"single request", 5 * size.GiB, plan(size.MiB, 5*size.GiB), 0, nil},
		{"larger than the file", 5 * size.GiB, plan(40*size.MiB, 5*size.GiB), 0,
			[]string{"--part-size 5 GiB", "40 MiB source", "two parts", "2 parts of 20 MiB"}},
		{"too many parts", 5 * size.MiB, plan(100*size.GiB, 5*size.MiB), 0,
			[]string{"--part-size 5 MiB would need 20480 parts", "10000", "parts of 11 MiB"}},
		{"stream", 5 * size.MiB, upload.Plan{Size: -1, Multipart: true, PartSize: 21 * size.MiB}, 200 * size.GiB,
			[]string{"--expected-size 200 GiB", "40960 parts", "parts of 21 MiB"}},
	}
	for _, tt := range tests {
		got := partSizeNote(tt.asked, "--part-size", tt.p, tt.expected)
		if len(tt.want) == 0 {
			if got != "" {
				t.Errorf("%s: unexpected note %q", tt.name, got)
			}
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: note %q lacks %q", tt.name, got, w)
			}
		}
	}
}
