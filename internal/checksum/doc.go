// Package checksum computes the checksums S3 stores with objects (CRC64NVME,
// CRC32, CRC32C, SHA256, SHA1) so the uploader can hand them to the SDK
// precomputed, and predicts the object checksum S3 will report after a
// multipart upload (FullObject, Composite) to verify the upload end to end.
//
// # Why compute them here
//
// The SDK's CRC64NVME is table-driven hash/crc64: about 0.5 CPU-s per GiB
// on our machines, as much as the rest of an upload. minio/crc64nvme (SIMD)
// gives the same values for about 0.02 (docs/design.md, "Measured costs").
//
// # What aws-sdk-go-v2 does with a precomputed checksum
//
// Read in service/internal/checksum v1.11.13 and service/s3 v1.114.10 (the
// versions in go.mod):
//
//   - UploadPart and PutObject serialize ChecksumCRC64NVME (and the other
//     Checksum* members) as the x-amz-checksum-<alg> request header, and
//     ChecksumAlgorithm as x-amz-sdk-checksum-algorithm.
//   - The ComputeInputPayloadChecksum finalize middleware first looks for
//     any x-amz-checksum-* request header; if one is set it records it and
//     passes the request on untouched: no hashing of the body, no switch to
//     an aws-chunked trailing checksum. Only without one does it hash the
//     body (or, over HTTPS, stream it with a trailer), using
//     ChecksumAlgorithm or, under RequestChecksumCalculation when_supported,
//     CRC32.
//   - The CRC32 default needs RequestChecksumCalculation resolved to
//     when_supported, which config.LoadDefaultConfig does. An aws.Config
//     built by hand (as internal/teststack's) leaves it Unset, and then an
//     UploadPart without our value carries no checksum at all (seen
//     against versitygw, which still computed and returned the part's
//     CRC64NVME itself).
//   - So the precomputed value travels as a plain header on the first byte
//     of the request and is reused unchanged on retries. With
//     when_required the header is still sent (it is an input member, not
//     the middleware's doing): to send no checksum, do not set one.
//   - Payload signing is separate: over HTTPS UploadPart/PutObject sign
//     UNSIGNED-PAYLOAD (v4.UseDynamicPayloadSigningMiddleware); over plain
//     HTTP SigV4 still SHA-256es every body, checksum or not.
//   - CreateMultipartUpload takes ChecksumAlgorithm
//     (types.ChecksumAlgorithmCrc64nvme) and ChecksumType
//     (types.ChecksumTypeFullObject) as the x-amz-checksum-algorithm and
//     x-amz-checksum-type headers; it has no checksum middleware.
//     CompleteMultipartUpload likewise only serializes ChecksumType,
//     MpuObjectSize and an optional full-object Checksum*; S3 answers with
//     the object's checksum and ChecksumType (FromComplete).
//   - HeadObject returns checksums only with ChecksumMode ENABLED.
//
// # Full-object and composite checksums
//
// A FULL_OBJECT checksum is the CRC of the object's bytes; FullObject
// derives it from the part CRCs and sizes alone, so nothing is read twice.
// S3 supports it for CRC64NVME (always), CRC32 and CRC32C. COMPOSITE, the
// only type for SHA1/SHA256, is the checksum of the concatenated part
// checksums plus "-N"; it does not equal the checksum of the bytes.
//
// # Where the engine computes them
//
// A stream's part (in memory) and a single PutObject get a precomputed
// header. A file's part over TLS gets an aws-chunked trailer that
// upload/trailer.go computes with this package's hashes as the transport
// reads the part, so the file is read once; over plain HTTP a header
// (SumAt-style pass) instead, since S3 takes trailers only over TLS.
package checksum
