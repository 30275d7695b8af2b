package upload

import (
	"context"
	"fmt"
	"os"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// FileChecksum returns the checksum S3 reports (HeadObject with checksum
// mode, GetObjectAttributes) for the object an upload of the file at path
// stores, base64 as in Result.Checksum, without sending anything: a set's
// content comparison hashes the local file and compares.
//
// The CRC algorithms (CRC64NVME, CRC32, CRC32C) give a FULL_OBJECT
// checksum, the same whatever the parts: plan is not used. SHA256 and SHA1
// give S3's COMPOSITE checksum of a multipart object, which depends on the
// parts ("...-N"), or the plain checksum of a single PutObject: plan is
// the upload's (Uploader.Plan or PlanFor with the file's size; the zero
// Plan is a single request). The file is read once, sequentially; ctx
// stops it between reads.
func FileChecksum(ctx context.Context, path string, alg ChecksumAlgorithm, plan Plan) (string, error) {
	if alg == "" {
		alg = CRC64NVME
	}
	if !alg.Valid() {
		return "", fmt.Errorf("checksum algorithm %q is not one of CRC64NVME, CRC32, CRC32C, SHA256, SHA1", alg)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	n := fi.Size()
	partSize := n // one piece: a CRC is the same in any parts
	if !alg.FullObject() && plan.Multipart {
		partSize = plan.PartSize
	}
	buf := make([]byte, checksum.ReadBufferSize)
	var parts []checksum.Part
	for off := int64(0); off < n || len(parts) == 0; off += partSize {
		size := min(partSize, n-off)
		sum, err := checksum.SumAt(alg, checksum.WithContext(ctx, f), off, size, buf)
		if err != nil {
			return "", fmt.Errorf("checksum of %s: %w", path, err)
		}
		parts = append(parts, checksum.Part{Sum: sum, Size: size})
		if partSize == 0 {
			break
		}
	}
	if !alg.FullObject() && plan.Multipart {
		return checksum.Composite(alg, parts), nil
	}
	return checksum.Encode(parts[0].Sum), nil
}
