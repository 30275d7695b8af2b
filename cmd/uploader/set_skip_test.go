package main

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/upload"
)

// The --skip-existing rule: size, encryption, then the full-object
// checksum where S3 reports a well-formed one, else the aws s3 sync rule
// on LastModified.
func TestSkipDecide(t *testing.T) {
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 600e6, time.UTC)
	crc := checksum.Encode(make([]byte, 8)) // a well-formed CRC64NVME
	other := checksum.Encode([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	const keyARN = "arn:aws:kms:us-east-1:111122223333:key/k1"
	kms := upload.SSE{Mode: upload.SSEKMS, KMSKeyID: keyARN}
	stored := func(f func(*storedObject)) *storedObject {
		o := &storedObject{size: 10, lastModified: mtime.Add(time.Minute), sse: "aws:kms", kmsKey: keyARN}
		if f != nil {
			f(o)
		}
		return o
	}
	tests := []struct {
		name    string
		rule    skipRule
		obj     *storedObject
		local   string // the file's checksum; "" fails the test if asked for
		want    bool
		sumUsed bool
	}{
		{"no object", skipRule{alg: checksum.CRC64NVME}, nil, "", false, false},
		{"size differs", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) { o.size = 11 }), "", false, false},
		{"same checksum, even if older", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.checksum, o.checksumType, o.lastModified = crc, types.ChecksumTypeFullObject, mtime.Add(-time.Hour)
		}), crc, true, true},
		{"checksum differs, even if newer", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) { o.checksum = crc }), other, false, true},
		{"malformed checksum (moto's 4 bytes for CRC64NVME): LastModified decides", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.checksum = checksum.Encode([]byte{1, 2, 3, 4})
		}), "", true, false},
		{"COMPOSITE checksum: LastModified decides", skipRule{alg: checksum.CRC32}, stored(func(o *storedObject) {
			o.checksum, o.checksumType = checksum.Encode([]byte{1, 2, 3, 4})+"-3", types.ChecksumTypeComposite
		}), "", true, false},
		{"no checksum, stored after the change", skipRule{alg: checksum.CRC64NVME}, stored(nil), "", true, false},
		{"no checksum, stored in the same second as the change", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.lastModified = mtime.Truncate(time.Second)
		}), "", true, false},
		{"no checksum, file changed after", skipRule{alg: checksum.CRC64NVME}, stored(func(o *storedObject) {
			o.lastModified = mtime.Add(-time.Second)
		}), "", false, false},
		{"no checksums configured (when_required): LastModified decides", skipRule{}, stored(func(o *storedObject) { o.checksum = crc }), "", true, false},
		{"stored unencrypted, KMS asked", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(func(o *storedObject) { o.sse, o.kmsKey = "", "" }), "", false, false},
		{"stored with another key", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(func(o *storedObject) { o.kmsKey = keyARN + "x" }), "", false, false},
		{"stored with the key asked for", skipRule{alg: checksum.CRC64NVME, sse: kms}, stored(nil), "", true, false},
		{"key asked by id", skipRule{sse: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "k1"}}, stored(nil), "", true, false},
		{"key asked by alias: the mode counts", skipRule{sse: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/x"}}, stored(nil), "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used := false
			sum := func() (string, error) {
				used = true
				if tt.local == "" {
					return "", errors.New("the file's checksum was not needed here")
				}
				return tt.local, nil
			}
			got, why, err := tt.rule.decide(tt.obj, 10, mtime, sum)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || used != tt.sumUsed || why == "" {
				t.Fatalf("skip %v (%s), checksum read %v; want skip %v, read %v", got, why, used, tt.want, tt.sumUsed)
			}
		})
	}
}
