package checksum

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
)

// Part is one part of a multipart upload: its raw checksum and its size in
// bytes.
type Part struct {
	Sum  []byte
	Size int64
}

// FullObject combines the parts' CRCs into the CRC of their concatenated
// bytes, which is what S3 reports as a FULL_OBJECT checksum after
// CompleteMultipartUpload. No part data is read: this is zlib's
// crc32_combine (multiply by x^(8*size) mod P), generalised to 64 bits.
// Zero parts give the CRC of no bytes. It fails for SHA algorithms (S3
// gives those only COMPOSITE checksums) and for sums of the wrong length.
func FullObject(a Algorithm, parts []Part) ([]byte, error) {
	c := crcOf(a)
	if c == nil {
		return nil, fmt.Errorf("checksum: %s has no full-object checksum (only CRC algorithms can be combined)", a)
	}
	var crc uint64 // the CRC of no bytes: init and final xor cancel out
	var lastSize int64 = -1
	var shift uint64
	for i, p := range parts {
		if len(p.Sum) != c.bytes {
			return nil, fmt.Errorf("checksum: part %d: %s sum is %d bytes, want %d", i+1, a, len(p.Sum), c.bytes)
		}
		if p.Size < 0 {
			return nil, fmt.Errorf("checksum: part %d: negative size %d", i+1, p.Size)
		}
		// Parts mostly share one size: reuse its x^(8n) instead of
		// recomputing it for each of up to 10,000 parts.
		if p.Size != lastSize {
			shift, lastSize = c.xpow8n(uint64(p.Size)), p.Size
		}
		crc = c.multmod(shift, crc) ^ c.get(p.Sum)
	}
	return c.put(crc), nil
}

// Composite is S3's COMPOSITE multipart checksum: the base64 checksum of
// the concatenated raw part checksums, "-", and the number of parts.
func Composite(a Algorithm, parts []Part) string {
	h := a.New()
	for _, p := range parts {
		h.Write(p.Sum)
	}
	return Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(parts))
}

// crc describes a reflected CRC with all-ones init and final xor (CRC-32,
// CRC-32C and CRC-64/NVME all are) for combining. Polynomials are in the
// reflected bit order: bit width-1 is x^0.
type crc struct {
	poly  uint64
	width uint
	bytes int
	once  sync.Once
	x2n   [67]uint64 // x^(2^k) mod P; lengths in bits reach 2^66
}

var (
	crc32IEEE   = &crc{poly: 0xedb88320, width: 32, bytes: 4}
	crc32Cast   = &crc{poly: 0x82f63b78, width: 32, bytes: 4}
	crc64NVMECR = &crc{poly: 0x9a6c9329ac4bc9b5, width: 64, bytes: 8}
)

func crcOf(a Algorithm) *crc {
	switch a {
	case CRC32:
		return crc32IEEE
	case CRC32C:
		return crc32Cast
	case CRC64NVME:
		return crc64NVMECR
	}
	return nil
}

func (c *crc) one() uint64 { return 1 << (c.width - 1) } // x^0

// multmod returns a*b mod P (zlib's multmodp).
func (c *crc) multmod(a, b uint64) uint64 {
	var p uint64
	for m := c.one(); m != 0 && a != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
			a &^= m
		}
		if b&1 != 0 {
			b = b>>1 ^ c.poly
		} else {
			b >>= 1
		}
	}
	return p
}

// xpow8n returns x^(8n) mod P: appending n bytes multiplies a CRC by it.
func (c *crc) xpow8n(n uint64) uint64 {
	c.once.Do(func() {
		p := c.one() >> 1 // x^1
		for k := range c.x2n {
			c.x2n[k] = p
			p = c.multmod(p, p)
		}
	})
	p := c.one()
	for k := 3; n != 0; k, n = k+1, n>>1 { // 8n = n * 2^3
		if n&1 != 0 {
			p = c.multmod(c.x2n[k], p)
		}
	}
	return p
}

func (c *crc) get(b []byte) uint64 {
	if c.bytes == 4 {
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

func (c *crc) put(v uint64) []byte {
	if c.bytes == 4 {
		return binary.BigEndian.AppendUint32(nil, uint32(v))
	}
	return binary.BigEndian.AppendUint64(nil, v)
}
