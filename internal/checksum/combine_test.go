package checksum

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

var crcAlgorithms = []Algorithm{CRC64NVME, CRC32, CRC32C}

// split cuts data at the given sizes (the last part takes the rest) and
// returns the parts with their sums.
func split(t testing.TB, a Algorithm, data []byte, sizes []int) []Part {
	t.Helper()
	var parts []Part
	for _, n := range sizes {
		parts = append(parts, partOf(t, a, data[:n]))
		data = data[n:]
	}
	return append(parts, partOf(t, a, data))
}

func partOf(t testing.TB, a Algorithm, b []byte) Part {
	sum, err := Sum(a, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return Part{Sum: sum, Size: int64(len(b))}
}

func TestFullObjectEqualsWholeSum(t *testing.T) {
	data := randomBytes(1<<20 + 123)
	tests := []struct {
		name  string
		data  []byte
		sizes []int // all but the last part
	}{
		{"one part", data, nil},
		{"empty object, one part", nil, nil},
		{"two parts", data, []int{5000}},
		{"zero-byte last part", data, []int{len(data)}},
		{"zero-byte first part", data, []int{0}},
		{"zero-byte parts between", data, []int{100, 0, 0, 200}},
		{"one-byte parts", data[:9], []int{1, 1, 1, 1, 1, 1, 1, 1}},
		{"equal parts", data, []int{1 << 18, 1 << 18, 1 << 18}},
		{"many parts", data, manySizes(len(data), 300)},
	}
	for _, a := range crcAlgorithms {
		for _, tt := range tests {
			whole := partOf(t, a, tt.data)
			got, err := FullObject(a, split(t, a, tt.data, tt.sizes))
			if err != nil {
				t.Fatalf("%s %s: %v", a, tt.name, err)
			}
			if !bytes.Equal(got, whole.Sum) {
				t.Errorf("%s %s: FullObject = %x, Sum of the bytes = %x", a, tt.name, got, whole.Sum)
			}
		}
	}
}

func TestFullObjectRandomSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	data := randomBytes(64 << 10)
	for _, a := range crcAlgorithms {
		for range 200 {
			n := r.IntN(len(data) + 1)
			var sizes []int
			for rest := n; rest > 0 && len(sizes) < 20; {
				s := r.IntN(rest + 1)
				sizes = append(sizes, s)
				rest -= s
			}
			got, err := FullObject(a, split(t, a, data[:n], sizes))
			if err != nil {
				t.Fatal(err)
			}
			if w := partOf(t, a, data[:n]).Sum; !bytes.Equal(got, w) {
				t.Fatalf("%s: %d bytes split %v: FullObject = %x, want %x", a, n, sizes, got, w)
			}
		}
	}
}

// Parts far larger than any test buffer: the combine must hold at S3's
// 5 GiB part size. Zeros give a cheap independent answer: one stream
// hashed through 1 GiB (the part's sum) and on to 2 GiB (the object's).
func TestFullObjectLargeSizes(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 2 GiB per algorithm")
	}
	zeros := make([]byte, 1<<20)
	for _, a := range crcAlgorithms {
		h := a.New()
		for range 1024 {
			h.Write(zeros)
		}
		gib := h.Sum(nil)
		for range 1024 {
			h.Write(zeros)
		}
		got, err := FullObject(a, []Part{{Sum: gib, Size: 1 << 30}, {Sum: gib, Size: 1 << 30}})
		if err != nil {
			t.Fatal(err)
		}
		if want := h.Sum(nil); !bytes.Equal(got, want) {
			t.Errorf("%s: 2 x 1 GiB: FullObject = %x, want %x", a, got, want)
		}
	}
}

func TestFullObjectErrors(t *testing.T) {
	for _, a := range []Algorithm{SHA256, SHA1, "MD5"} {
		if _, err := FullObject(a, nil); err == nil {
			t.Errorf("FullObject(%s) gave no error", a)
		}
	}
	if _, err := FullObject(CRC64NVME, []Part{{Sum: []byte{1, 2, 3, 4}, Size: 1}}); err == nil || !strings.Contains(err.Error(), "part 1") {
		t.Errorf("wrong sum length: error %v", err)
	}
	if _, err := FullObject(CRC32, []Part{{Sum: make([]byte, 4), Size: -1}}); err == nil {
		t.Error("negative size: no error")
	}
	got, err := FullObject(CRC32, nil)
	if err != nil || !bytes.Equal(got, make([]byte, 4)) {
		t.Errorf("no parts: %x, %v; want the CRC of nothing (0)", got, err)
	}
}

// Values computed independently with Python's zlib and hashlib.
func TestComposite(t *testing.T) {
	parts := func(a Algorithm) []Part {
		return []Part{partOf(t, a, []byte("hello ")), partOf(t, a, []byte("world"))}
	}
	tests := []struct {
		a    Algorithm
		want string
	}{
		{CRC32, "1Fu2mQ==-2"},
		{SHA256, "Zhie15keHg/OBlOZxcoF/BXCgYZaeimRvdZnwUZqkaQ=-2"},
		{SHA1, "9oeo+kMlG3hL6irRRMB+8GuSWwc=-2"},
	}
	for _, tt := range tests {
		if got := Composite(tt.a, parts(tt.a)); got != tt.want {
			t.Errorf("Composite(%s) = %q, want %q", tt.a, got, tt.want)
		}
	}
	// A composite is not the checksum of the bytes; the full-object one is.
	full, _ := FullObject(CRC32, parts(CRC32))
	if Encode(full) != Encode([]byte{0x0d, 0x4a, 0x11, 0x85}) {
		t.Errorf("FullObject(CRC32, hello world) = %x, want 0d4a1185", full)
	}
}

func manySizes(total, n int) []int {
	sizes := make([]int, n-1)
	for i := range sizes {
		sizes[i] = total / n
	}
	return sizes
}

func BenchmarkFullObject10000Parts(b *testing.B) {
	parts := make([]Part, 10000)
	for i := range parts {
		parts[i] = Part{Sum: []byte{1, 2, 3, 4, 5, 6, 7, byte(i)}, Size: 8 << 20}
	}
	parts[len(parts)-1].Size = 12345
	for b.Loop() {
		if _, err := FullObject(CRC64NVME, parts); err != nil {
			b.Fatal(err)
		}
	}
}
