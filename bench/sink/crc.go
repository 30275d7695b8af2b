package main

import (
	"hash"
	"hash/crc32"

	"github.com/minio/crc64nvme"
)

// crc64NVMEPoly is the CRC-64/NVME polynomial, reversed, as S3 and the SDK
// use it.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

func newHash(algo string) hash.Hash {
	switch algo {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "CRC64NVME":
		// SIMD, ~30x faster than hash/crc64 with the NVME table: the
		// sink must not slow down a client that sends CRC64NVME.
		return crc64nvme.New()
	}
	return nil
}

// crc describes a reflected CRC with init and final xor of all ones (CRC32,
// CRC32C and CRC64/NVME all are), for combining part CRCs into the CRC of
// their concatenation, as zlib's crc32_combine does.
type crc struct {
	poly  uint64 // reversed
	width int
}

func crcParams(algo string) crc {
	switch algo {
	case "CRC32":
		return crc{poly: crc32.IEEE, width: 32}
	case "CRC32C":
		return crc{poly: crc32.Castagnoli, width: 32}
	}
	return crc{poly: crc64NVMEPoly, width: 64}
}

// combine returns the CRC of A||B from crcA, crcB and len(B): it feeds
// len(B) zero bytes through crcA's register by squaring an operator matrix
// over GF(2), then xors crcB.
func (c crc) combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	w := c.width
	odd := make([]uint64, w)
	even := make([]uint64, w)
	odd[0] = c.poly // operator for one zero bit
	row := uint64(1)
	for i := 1; i < w; i++ {
		odd[i] = row
		row <<= 1
	}
	square(even, odd, w) // two zero bits
	square(odd, even, w) // four zero bits
	for {
		square(even, odd, w) // first: one zero byte
		if lenB&1 != 0 {
			crcA = times(even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		square(odd, even, w)
		if lenB&1 != 0 {
			crcA = times(odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i++ {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
		vec >>= 1
	}
	return sum
}

func square(dst, mat []uint64, w int) {
	for i := 0; i < w; i++ {
		dst[i] = times(mat, mat[i])
	}
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

func putBE(v uint64, n int) []byte {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}
