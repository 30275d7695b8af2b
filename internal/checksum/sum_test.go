package checksum

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

func TestSumMatchesHash(t *testing.T) {
	data := randomBytes(3*bufSize + 17) // several reads plus a short one
	for _, a := range Algorithms {
		h := a.New()
		h.Write(data)
		want := h.Sum(nil)
		for name, r := range map[string]io.Reader{
			"bytes":    bytes.NewReader(data),
			"onebyte":  iotest.OneByteReader(bytes.NewReader(data[:1000])),
			"dataeof":  iotest.DataErrReader(bytes.NewReader(data)),
			"halfread": iotest.HalfReader(bytes.NewReader(data)),
		} {
			got, err := Sum(a, r)
			if err != nil {
				t.Fatalf("%s %s: %v", a, name, err)
			}
			exp := want
			if name == "onebyte" {
				h := a.New()
				h.Write(data[:1000])
				exp = h.Sum(nil)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("%s %s: Sum = %x, want %x", a, name, got, exp)
			}
		}
	}
}

func TestSumReadError(t *testing.T) {
	boom := errors.New("disk gone")
	r := io.MultiReader(bytes.NewReader(make([]byte, 100)), iotest.ErrReader(boom))
	if _, err := Sum(CRC64NVME, r); !errors.Is(err, boom) {
		t.Fatalf("Sum error = %v, want %v", err, boom)
	}
}

// The engine sums every part; the pooled buffer keeps that from
// allocating a read buffer each time. What remains is the hash and its
// result (and the reader in this test).
func TestSumAllocations(t *testing.T) {
	data := randomBytes(1 << 20)
	r := bytes.NewReader(data)
	Sum(CRC64NVME, r) // warm the pool
	allocs := testing.AllocsPerRun(50, func() {
		r.Reset(data)
		if _, err := Sum(CRC64NVME, r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 3 {
		t.Errorf("Sum allocates %.0f times per call, want at most 3 (hash, sum, pool slack)", allocs)
	}
}

func TestEncodeDecode(t *testing.T) {
	sum := []byte{0xae, 0x8b, 0x14, 0x86, 0x0a, 0x79, 0x98, 0x88}
	if got := Encode(sum); got != "rosUhgp5mIg=" {
		t.Errorf("Encode = %q", got)
	}
	back, err := Decode("rosUhgp5mIg=")
	if err != nil || !bytes.Equal(back, sum) {
		t.Errorf("Decode = %x, %v", back, err)
	}
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
