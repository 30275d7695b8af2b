package upload

import (
	"errors"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

func TestMakePlan(t *testing.T) {
	const MiB, GiB, TiB = size.MiB, size.GiB, size.TiB
	tests := []struct {
		name    string
		size    int64
		opts    PlanOptions
		want    Plan
		wantErr bool
	}{
		{"empty file", 0, PlanOptions{}, Plan{Size: 0}, false},
		{"1 KiB", 1024, PlanOptions{}, Plan{Size: 1024}, false},
		{"threshold - 1", 8*MiB - 1, PlanOptions{}, Plan{Size: 8*MiB - 1}, false},
		{"exactly threshold is one request", 8 * MiB, PlanOptions{}, Plan{Size: 8 * MiB}, false},
		{"threshold + 1", 8*MiB + 1, PlanOptions{}, Plan{Size: 8*MiB + 1, Multipart: true, PartSize: 8 * MiB, Parts: 2}, false},
		{"37 MiB", 37 * MiB, PlanOptions{}, Plan{Size: 37 * MiB, Multipart: true, PartSize: 8 * MiB, Parts: 5}, false},
		{"exactly 10000 default parts", 10000 * 8 * MiB, PlanOptions{}, Plan{Size: 10000 * 8 * MiB, Multipart: true, PartSize: 8 * MiB, Parts: 10000}, false},
		{"one byte over 10000 default parts", 10000*8*MiB + 1, PlanOptions{}, Plan{Size: 10000*8*MiB + 1, Multipart: true, PartSize: 9 * MiB, Parts: 8889}, false},
		{"1 TiB grows parts", TiB, PlanOptions{}, Plan{Size: TiB, Multipart: true, PartSize: 105 * MiB, Parts: 9987}, false},
		{"largest object", MaxObjectSize, PlanOptions{}, Plan{Size: MaxObjectSize, Multipart: true, PartSize: 5 * GiB, Parts: 10000}, false},
		{"over the largest object", MaxObjectSize + 1, PlanOptions{}, Plan{}, true},
		{"user part size kept", 100 * MiB, PlanOptions{PartSize: 16 * MiB}, Plan{Size: 100 * MiB, Multipart: true, PartSize: 16 * MiB, Parts: 7}, false},
		{"user part size grown to fit", 10000*16*MiB + 1, PlanOptions{PartSize: 16 * MiB}, Plan{Size: 10000*16*MiB + 1, Multipart: true, PartSize: 17 * MiB, Parts: 9412}, false},
		{"part size below 5 MiB", 100 * MiB, PlanOptions{PartSize: 5*MiB - 1}, Plan{}, true},
		{"part size above 5 GiB", 100 * MiB, PlanOptions{PartSize: 5*GiB + 1}, Plan{}, true},
		{"part size 5 MiB", 12 * MiB, PlanOptions{PartSize: 5 * MiB}, Plan{Size: 12 * MiB, Multipart: true, PartSize: 5 * MiB, Parts: 3}, false},
		{"above threshold, within one part: split in two", 10 * MiB, PlanOptions{PartSize: 16 * MiB}, Plan{Size: 10 * MiB, Multipart: true, PartSize: 5 * MiB, Parts: 2}, false},
		{"tiny threshold, under 5 MiB: one request", 3 * MiB, PlanOptions{Threshold: MiB}, Plan{Size: 3 * MiB}, false},
		{"high threshold capped at PutObject limit", 6 * GiB, PlanOptions{Threshold: 10 * GiB}, Plan{Size: 6 * GiB, Multipart: true, PartSize: 8 * MiB, Parts: 768}, false},
		{"stream default", -1, PlanOptions{}, Plan{Size: -1, Multipart: true, PartSize: 16 * MiB}, false},
		{"stream user part size", -1, PlanOptions{PartSize: 64 * MiB}, Plan{Size: -1, Multipart: true, PartSize: 64 * MiB}, false},
		{"stream expected 1 TiB", -1, PlanOptions{ExpectedSize: TiB}, Plan{Size: -1, Multipart: true, PartSize: 105 * MiB}, false},
		{"stream expected 200 GiB", -1, PlanOptions{ExpectedSize: 200 * GiB}, Plan{Size: -1, Multipart: true, PartSize: 21 * MiB}, false},
		{"stream expected within the part size", -1, PlanOptions{PartSize: 64 * MiB, ExpectedSize: 100 * MiB}, Plan{Size: -1, Multipart: true, PartSize: 64 * MiB}, false},
		{"stream expected small: parts as a file's", -1, PlanOptions{ExpectedSize: 10 * MiB}, Plan{Size: -1, Multipart: true, PartSize: 5 * MiB}, false},
		{"stream expected 1 byte: the default", -1, PlanOptions{ExpectedSize: 1}, Plan{Size: -1, Multipart: true, PartSize: 16 * MiB}, false},
		{"stream expected over the largest object", -1, PlanOptions{ExpectedSize: MaxObjectSize + 1}, Plan{}, true},
		{"stream expected, lowered part limit", -1, PlanOptions{ExpectedSize: 50 * MiB, MaxParts: 3}, Plan{Size: -1, Multipart: true, PartSize: 17 * MiB}, false},
		{"expected size ignored for a known size", 37 * MiB, PlanOptions{ExpectedSize: TiB}, Plan{Size: 37 * MiB, Multipart: true, PartSize: 8 * MiB, Parts: 5}, false},
		{"lowered part limit", 50 * MiB, PlanOptions{MaxParts: 3}, Plan{Size: 50 * MiB, Multipart: true, PartSize: 17 * MiB, Parts: 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MakePlan(tt.size, tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				var pe *PlanError
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not a *PlanError", err)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.Multipart {
				if got.PartSize < MinPartSize || got.PartSize > MaxPartSize {
					t.Fatalf("part size %d out of S3's range", got.PartSize)
				}
				if got.Parts > MaxParts || (got.Size > 0 && int64(got.Parts-1)*got.PartSize >= got.Size) {
					t.Fatalf("parts %d inconsistent with size %d / part size %d", got.Parts, got.Size, got.PartSize)
				}
			}
		})
	}
}

func TestPartLen(t *testing.T) {
	p, err := MakePlan(37*size.MiB, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for n := 1; n <= p.Parts; n++ {
		total += p.PartLen(n)
	}
	if total != p.Size || p.PartLen(p.Parts) != 5*size.MiB {
		t.Fatalf("parts sum to %d (last %d), want %d", total, p.PartLen(p.Parts), p.Size)
	}
}
