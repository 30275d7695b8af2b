package checksum

import (
	"bytes"
	"testing"
)

// FuzzFullObject checks the CRC combine against hashing the bytes in one
// go, for any data and any cut points (cuts are read from the fuzzer's
// bytes: each byte a part length, so zero-length parts occur).
func FuzzFullObject(f *testing.F) {
	f.Add([]byte("123456789"), []byte{3, 3})
	f.Add([]byte("hello world"), []byte{})
	f.Add([]byte{}, []byte{0, 0, 0})
	f.Add(bytes.Repeat([]byte{0xff}, 300), []byte{255, 0, 1})
	f.Add(bytes.Repeat([]byte("abc"), 100), []byte{128, 64, 0, 7})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		for _, a := range crcAlgorithms {
			var sizes []int
			rest := len(data)
			for _, c := range cuts {
				n := min(int(c), rest)
				sizes = append(sizes, n)
				rest -= n
			}
			got, err := FullObject(a, split(t, a, data, sizes))
			if err != nil {
				t.Fatal(err)
			}
			if want := partOf(t, a, data).Sum; !bytes.Equal(got, want) {
				t.Fatalf("%s: %d bytes cut %v: FullObject = %x, want %x", a, len(data), sizes, got, want)
			}
		}
	})
}
