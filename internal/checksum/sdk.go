package checksum

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// fields holds the addresses of one SDK struct's checksum members, so each
// helper below is one line instead of a switch per struct.
type fields struct{ crc32, crc32c, crc64nvme, sha1, sha256 **string }

func (f fields) of(a Algorithm) **string {
	switch a {
	case CRC32:
		return f.crc32
	case CRC32C:
		return f.crc32c
	case CRC64NVME:
		return f.crc64nvme
	case SHA1:
		return f.sha1
	case SHA256:
		return f.sha256
	}
	return nil
}

func (f fields) set(a Algorithm, b64 string) {
	p := f.of(a)
	if p == nil {
		panic(fmt.Sprintf("checksum: unknown algorithm %q", string(a)))
	}
	*p = aws.String(b64)
}

func (f fields) get(a Algorithm) string {
	if p := f.of(a); p != nil {
		return aws.ToString(*p)
	}
	return ""
}

// SetUploadPart puts the precomputed base64 checksum on the part and names
// its algorithm. The SDK sends it as the x-amz-checksum-* header and then
// does not hash the body itself (see the package doc); S3 refuses the part
// with BadDigest if the bytes it got do not match.
func SetUploadPart(in *s3.UploadPartInput, a Algorithm, b64 string) {
	in.ChecksumAlgorithm = a.SDK()
	fields{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.set(a, b64)
}

// SetPutObject is SetUploadPart for a single-request upload.
func SetPutObject(in *s3.PutObjectInput, a Algorithm, b64 string) {
	in.ChecksumAlgorithm = a.SDK()
	fields{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.set(a, b64)
}

// SetCompletedPart puts a part's checksum in CompleteMultipartUpload's
// list, which S3 requires for every part when the upload was created
// with a checksum algorithm.
func SetCompletedPart(p *types.CompletedPart, a Algorithm, b64 string) {
	fields{&p.ChecksumCRC32, &p.ChecksumCRC32C, &p.ChecksumCRC64NVME, &p.ChecksumSHA1, &p.ChecksumSHA256}.set(a, b64)
}

// SetComplete hands S3 the expected full-object checksum (FullObject,
// encoded) on CompleteMultipartUpload, so S3 itself refuses to complete
// an object whose bytes differ (BadDigest) rather than the client finding
// out afterwards. Only for uploads created with ChecksumType FULL_OBJECT.
func SetComplete(in *s3.CompleteMultipartUploadInput, a Algorithm, b64 string) {
	in.ChecksumType = types.ChecksumTypeFullObject
	fields{&in.ChecksumCRC32, &in.ChecksumCRC32C, &in.ChecksumCRC64NVME, &in.ChecksumSHA1, &in.ChecksumSHA256}.set(a, b64)
}

// SetUploadPartOutput records a part's checksum on UploadPart's output,
// where manager takes the CompleteMultipartUpload part list from.
func SetUploadPartOutput(out *s3.UploadPartOutput, a Algorithm, b64 string) {
	fields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.set(a, b64)
}

// FromPutObject is the object checksum PutObject returned, or "".
func FromPutObject(out *s3.PutObjectOutput, a Algorithm) string {
	return fields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.get(a)
}

// FromUploadPart is the part checksum S3 computed, or "" if the server
// returned none (moto, some S3-compatible servers).
func FromUploadPart(out *s3.UploadPartOutput, a Algorithm) string {
	return fields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.get(a)
}

// FromComplete is the object checksum S3 reports after completing, with
// its type: FULL_OBJECT values compare with FullObject, COMPOSITE ones
// ("...-N") with Composite. value is "" if the server returned none.
func FromComplete(out *s3.CompleteMultipartUploadOutput, a Algorithm) (value string, typ types.ChecksumType) {
	return fields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.get(a), out.ChecksumType
}

// FromHead is the object checksum from HeadObject. S3 sends it only when
// the request sets ChecksumMode: types.ChecksumModeEnabled.
func FromHead(out *s3.HeadObjectOutput, a Algorithm) (value string, typ types.ChecksumType) {
	return fields{&out.ChecksumCRC32, &out.ChecksumCRC32C, &out.ChecksumCRC64NVME, &out.ChecksumSHA1, &out.ChecksumSHA256}.get(a), out.ChecksumType
}

// FromPart is a ListParts entry's checksum, or "" if none was listed.
func FromPart(p types.Part, a Algorithm) string {
	return fields{&p.ChecksumCRC32, &p.ChecksumCRC32C, &p.ChecksumCRC64NVME, &p.ChecksumSHA1, &p.ChecksumSHA256}.get(a)
}
