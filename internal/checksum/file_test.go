package checksum

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestSumSection(t *testing.T) {
	data := make([]byte, 3<<20+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	outer := io.NewSectionReader(f, 0, int64(len(data)))
	cases := []struct{ off, n int64 }{
		{0, int64(len(data))}, {0, 1 << 20}, {1 << 20, 1 << 20}, {4095, 8193}, {int64(len(data)) - 7, 7}, {100, 0},
	}
	for _, a := range Algorithms {
		for _, c := range cases {
			want, _ := Sum(a, bytes.NewReader(data[c.off:c.off+c.n]))
			for name, sr := range map[string]*io.SectionReader{
				"file":   io.NewSectionReader(f, c.off, c.n),
				"nested": io.NewSectionReader(outer, c.off, c.n), // as manager's parts are
				"memory": io.NewSectionReader(bytes.NewReader(data), c.off, c.n),
			} {
				got, err := SumSection(a, sr)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s %s [%d,+%d): %x, %v; want %x", a, name, c.off, c.n, got, err, want)
				}
			}
		}
	}
}

// A file truncated under the mapping is an error, not a crash.
func TestSumSectionTruncated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(path, 4096); err != nil {
		t.Fatal(err)
	}
	if _, err := SumSection(CRC64NVME, io.NewSectionReader(f, 0, 1<<20)); err == nil {
		t.Fatal("a section past the end of a truncated file summed without error")
	}
}

// BenchmarkSumFile compares hashing a file part through the mapping with
// reading it out first (Sum), the cost the engine pays once per part.
func BenchmarkSumFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	data := make([]byte, 64<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	const part = 8 << 20
	for _, mode := range []string{"mapped", "read"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				for off := int64(0); off < int64(len(data)); off += part {
					sr := io.NewSectionReader(f, off, part)
					if mode == "mapped" {
						SumSection(CRC64NVME, sr)
					} else {
						Sum(CRC64NVME, sr)
					}
				}
			}
		})
	}
}
