package checksum

import (
	"bytes"
	"errors"
	"testing"
)

func TestSumAt(t *testing.T) {
	data := make([]byte, 1<<20+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	r := bytes.NewReader(data)
	tests := []struct {
		name    string
		off, n  int64
		buf     int
		wantErr error
	}{
		{"whole, small buffer", 0, int64(len(data)), 4096, nil},
		{"middle, odd buffer", 1000, 500000, 777, nil},
		{"tail", int64(len(data)) - 10, 10, ReadBufferSize, nil},
		{"empty", 5, 0, 16, nil},
		{"past the end", int64(len(data)) - 10, 11, 64, ErrShortRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, a := range Algorithms {
				got, err := SumAt(a, r, tc.off, tc.n, make([]byte, tc.buf))
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("%s: err = %v, want %v", a, err, tc.wantErr)
				}
				if err != nil {
					continue
				}
				want, _ := Sum(a, bytes.NewReader(data[tc.off:tc.off+tc.n]))
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: sum differs from Sum of the same bytes", a)
				}
			}
		})
	}
}
