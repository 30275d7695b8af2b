package checksum

import (
	"bytes"
	"context"
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

// WithContext reads as r while ctx lives, and stops a SumAt between two
// reads once it is done.
func TestSumAtWithContext(t *testing.T) {
	data := bytes.Repeat([]byte("uploader"), 1<<16) // 512 KiB
	want, err := SumAt(CRC64NVME, bytes.NewReader(data), 0, int64(len(data)), make([]byte, 4096))
	if err != nil {
		t.Fatal(err)
	}
	got, err := SumAt(CRC64NVME, WithContext(context.Background(), bytes.NewReader(data)), 0, int64(len(data)), make([]byte, 4096))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("live context: %x, %v; want %x", got, err, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reads := 0
	r := readerAtFunc(func(p []byte, off int64) (int, error) {
		if reads++; reads == 3 {
			cancel()
		}
		return bytes.NewReader(data).ReadAt(p, off)
	})
	if _, err := SumAt(CRC64NVME, WithContext(ctx, r), 0, int64(len(data)), make([]byte, 4096)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled after 3 reads: %v, want context.Canceled", err)
	}
	if reads != 3 {
		t.Fatalf("%d reads, want 3: the read after the cancel must not happen", reads)
	}
}

type readerAtFunc func(p []byte, off int64) (int, error)

func (f readerAtFunc) ReadAt(p []byte, off int64) (int, error) { return f(p, off) }
