//go:build linux

package checksum

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func BenchmarkMapWindow(b *testing.B) {
	path := filepath.Join(b.TempDir(), "f")
	data := make([]byte, 256<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	os.WriteFile(path, data, 0o600)
	f, _ := os.Open(path)
	defer f.Close()
	const part = 16 << 20
	run := func(b *testing.B, mapped bool) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			for off := int64(0); off < int64(len(data)); off += part {
				sr := io.NewSectionReader(f, off, part)
				if mapped {
					SumSection(CRC64NVME, sr)
				} else {
					Sum(CRC64NVME, sr)
				}
			}
		}
	}
	b.Run("read", func(b *testing.B) { run(b, false) })
	for _, w := range []int64{1 << 20, 2 << 20, 4 << 20} {
		for _, pop := range []bool{false, true} {
			b.Run(fmt.Sprintf("window=%dK/populate=%v", w>>10, pop), func(b *testing.B) {
				oldW, oldF := mapWindow, mapFlags
				defer func() { mapWindow, mapFlags = oldW, oldF }()
				mapWindow, mapFlags = w, 0
				if pop {
					mapFlags = syscall.MAP_POPULATE
				}
				run(b, true)
			})
		}
	}
}
