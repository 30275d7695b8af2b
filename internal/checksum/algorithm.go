package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"fmt"
	"hash"
	"hash/crc32"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/crc64nvme"
)

// Algorithm is a checksum algorithm, spelled as S3 spells it.
type Algorithm string

// The algorithms S3 accepts on uploads that this package computes.
const (
	CRC64NVME Algorithm = "CRC64NVME"
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	SHA256    Algorithm = "SHA256"
	SHA1      Algorithm = "SHA1"
)

// Algorithms lists every supported algorithm, the default (CRC64NVME) first.
var Algorithms = []Algorithm{CRC64NVME, CRC32, CRC32C, SHA256, SHA1}

// castagnoli is built once: crc32.MakeTable is not free, and hash/crc32
// switches to the SSE4.2/ARMv8 instruction when it sees this table.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Parse reads an algorithm name case-insensitively (for
// --checksum-algorithm). The error lists the valid names.
func Parse(s string) (Algorithm, error) {
	for _, a := range Algorithms {
		if strings.EqualFold(strings.TrimSpace(s), string(a)) {
			return a, nil
		}
	}
	names := make([]string, len(Algorithms))
	for i, a := range Algorithms {
		names[i] = string(a)
	}
	return "", fmt.Errorf("unknown checksum algorithm %q: valid are %s", s, strings.Join(names, ", "))
}

// Valid reports whether a is one of Algorithms.
func (a Algorithm) Valid() bool {
	for _, b := range Algorithms {
		if a == b {
			return true
		}
	}
	return false
}

// New returns a fresh hash for a. Its Sum is the raw checksum S3 expects,
// base64-encoded (Encode): CRCs big-endian. It panics on an algorithm not
// in Algorithms: values come from Parse or the constants, so anything else
// is a programming error, not input.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC64NVME:
		// SIMD (PCLMULQDQ/AVX-512): about 25x faster here than the
		// table-driven hash/crc64 the SDK uses (PERF-NOTES.md).
		return crc64nvme.New()
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case SHA256:
		return sha256.New()
	case SHA1:
		return sha1.New()
	}
	panic(fmt.Sprintf("checksum: unknown algorithm %q", string(a)))
}

// Size is the length in bytes of a's raw sum.
func (a Algorithm) Size() int {
	switch a {
	case CRC64NVME:
		return 8
	case CRC32, CRC32C:
		return 4
	case SHA256:
		return sha256.Size
	case SHA1:
		return sha1.Size
	}
	return 0
}

// FullObject reports whether S3 can give a multipart object of this
// algorithm a FULL_OBJECT checksum (the checksum of all its bytes, as if
// uploaded in one piece). That needs CRCs, which can be combined; SHA
// uploads only get COMPOSITE (a checksum of the part checksums).
// CRC64NVME is FULL_OBJECT only on S3.
func (a Algorithm) FullObject() bool {
	return crcOf(a) != nil
}

// ObjectType is the multipart checksum type the uploader asks S3 for with
// a: FULL_OBJECT where a has one, else COMPOSITE.
func (a Algorithm) ObjectType() types.ChecksumType {
	if a.FullObject() {
		return types.ChecksumTypeFullObject
	}
	return types.ChecksumTypeComposite
}

// SDK is a as the SDK's enum.
func (a Algorithm) SDK() types.ChecksumAlgorithm {
	switch a {
	case CRC64NVME:
		return types.ChecksumAlgorithmCrc64nvme
	case CRC32:
		return types.ChecksumAlgorithmCrc32
	case CRC32C:
		return types.ChecksumAlgorithmCrc32c
	case SHA256:
		return types.ChecksumAlgorithmSha256
	case SHA1:
		return types.ChecksumAlgorithmSha1
	}
	return types.ChecksumAlgorithm(a)
}

// String is the S3 name.
func (a Algorithm) String() string { return string(a) }
