package checksum

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Algorithm
		err  bool
	}{
		{"CRC64NVME", CRC64NVME, false},
		{"crc64nvme", CRC64NVME, false},
		{"Crc32", CRC32, false},
		{"crc32c", CRC32C, false},
		{"sha256", SHA256, false},
		{"SHA1", SHA1, false},
		{" sha1 ", SHA1, false},
		{"", "", true},
		{"md5", "", true},
		{"crc64", "", true},
		{"SHA512", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("Parse(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil {
			for _, a := range Algorithms {
				if !strings.Contains(err.Error(), string(a)) {
					t.Errorf("Parse(%q) error %q does not name %s", tt.in, err, a)
				}
			}
		}
	}
}

// Check values of the catalogue of CRCs ("123456789") and the FIPS test
// vector for SHA ("abc"), as raw big-endian sums.
func TestKnownVectors(t *testing.T) {
	tests := []struct {
		a     Algorithm
		input string
		hex   string
	}{
		{CRC64NVME, "123456789", "ae8b14860a799888"},
		{CRC32, "123456789", "cbf43926"},
		{CRC32C, "123456789", "e3069283"},
		{CRC64NVME, "", "0000000000000000"},
		{CRC32, "", "00000000"},
		{SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
	}
	for _, tt := range tests {
		got, err := Sum(tt.a, strings.NewReader(tt.input))
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got) != tt.hex {
			t.Errorf("Sum(%s, %q) = %x, want %s", tt.a, tt.input, got, tt.hex)
		}
		if len(got) != tt.a.Size() {
			t.Errorf("%s: Size() = %d, sum is %d bytes", tt.a, tt.a.Size(), len(got))
		}
	}
}

func TestProperties(t *testing.T) {
	tests := []struct {
		a    Algorithm
		full bool
		sdk  types.ChecksumAlgorithm
	}{
		{CRC64NVME, true, types.ChecksumAlgorithmCrc64nvme},
		{CRC32, true, types.ChecksumAlgorithmCrc32},
		{CRC32C, true, types.ChecksumAlgorithmCrc32c},
		{SHA256, false, types.ChecksumAlgorithmSha256},
		{SHA1, false, types.ChecksumAlgorithmSha1},
	}
	for _, tt := range tests {
		if tt.a.FullObject() != tt.full {
			t.Errorf("%s.FullObject() = %v", tt.a, !tt.full)
		}
		if tt.a.SDK() != tt.sdk {
			t.Errorf("%s.SDK() = %q", tt.a, tt.a.SDK())
		}
		if !tt.a.Valid() {
			t.Errorf("%s not Valid", tt.a)
		}
	}
	if Algorithm("MD5").Valid() || Algorithm("MD5").FullObject() {
		t.Error("MD5 must be neither valid nor full-object")
	}
}

func TestNewPanicsOnUnknown(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New on an unknown algorithm did not panic")
		}
	}()
	Algorithm("MD5").New()
}
