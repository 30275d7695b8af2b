package checksum

import (
	"bytes"
	"hash/crc64"
	"testing"
)

// BenchmarkSum measures each algorithm through Sum on one 8 MiB part (the
// default part size); compare MB/s to see what --checksum-algorithm costs.
func BenchmarkSum(b *testing.B) {
	data := randomBytes(8 << 20)
	for _, a := range Algorithms {
		b.Run(string(a), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			r := bytes.NewReader(data)
			for b.Loop() {
				r.Reset(data)
				if _, err := Sum(a, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSDKCRC64NVME is what the SDK would spend on the same part: it
// hashes CRC64NVME with hash/crc64 and the NVME table (reference for
// BenchmarkSum/CRC64NVME).
func BenchmarkSDKCRC64NVME(b *testing.B) {
	data := randomBytes(8 << 20)
	table := crc64.MakeTable(0x9a6c9329ac4bc9b5)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		h := crc64.New(table)
		h.Write(data)
		h.Sum(nil)
	}
}
