package main

import (
	"bytes"
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

func TestCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, algo := range []string{"CRC32", "CRC32C", "CRC64NVME"} {
		for _, sizes := range [][2]int{{1, 1}, {100, 7}, {4096, 65537}, {0, 10}, {10, 0}} {
			a := make([]byte, sizes[0])
			b := make([]byte, sizes[1])
			for i := range a {
				a[i] = byte(r.Uint32())
			}
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			sum := func(p []byte) uint64 {
				h := newHash(algo)
				h.Write(p)
				return beUint(h.Sum(nil))
			}
			want := sum(append(append([]byte{}, a...), b...))
			got := crcParams(algo).combine(sum(a), sum(b), int64(len(b)))
			if got != want {
				t.Errorf("%s %v: combine = %x, want %x", algo, sizes, got, want)
			}
		}
	}
}

// The SIMD CRC64NVME must agree with the table-driven one.
func TestCRC64NVME(t *testing.T) {
	p := bytes.Repeat([]byte("uploader bench "), 10000)
	h := newHash("CRC64NVME")
	h.Write(p)
	if got, want := beUint(h.Sum(nil)), crc64.Checksum(p, crc64.MakeTable(crc64NVMEPoly)); got != want {
		t.Fatalf("crc64nvme = %x, hash/crc64 = %x", got, want)
	}
}

func TestDecodeChunked(t *testing.T) {
	body := "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
	var out bytes.Buffer
	n, tr, err := decodeChunked(bytes.NewBufferString(body), &out)
	if err != nil || n != 11 || out.String() != "hello world" || tr["x-amz-checksum-crc32"] != "DUoRhQ==" {
		t.Fatalf("n=%d out=%q tr=%v err=%v", n, out.String(), tr, err)
	}
}
