package teststack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/crc64nvme"

	"github.com/uploader-dev/uploader/upload"
)

func crc64b64(b []byte) string {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], crc64nvme.Checksum(b))
	return base64.StdEncoding.EncodeToString(s[:])
}

// An upload through the engine, with an S3 client of the stack, ends
// verified: the gate returns part checksums and the full-object CRC64NVME
// (moto alone reports a 4-byte value, and the engine could not verify).
func TestEngineMultipartChecksumVerified(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 13*mib+12345)
	rand.New(rand.NewSource(1)).Read(data)
	path := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := stack.Config(ctx, stack.Full)
	c := s3.NewFromConfig(cfg)
	u := upload.New(c, upload.Options{PartSize: 5 * mib, Threshold: 5 * mib})
	for _, src := range []struct {
		name string
		body func() (io.Reader, int64, string)
	}{
		{"file", func() (io.Reader, int64, string) { f, _ := os.Open(path); return f, int64(len(data)), path }},
		{"stream", func() (io.Reader, int64, string) { return bytes.NewReader(data), -1, "" }},
	} {
		body, size, sp := src.body()
		key := "checksum/engine-" + src.name
		res, err := u.Upload(ctx, upload.Input{Bucket: stack.Bucket, Key: key, Body: body, Size: size, SourcePath: sp,
			SSE: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: stack.KeyARN}})
		if c, ok := body.(io.Closer); ok {
			c.Close()
		}
		if err != nil {
			t.Fatalf("%s: %v", src.name, err)
		}
		if res.UploadID == "" || !res.ChecksumVerified || res.Checksum != crc64b64(data) {
			t.Errorf("%s: upload %q, checksum %s verified %v (want %s), notes %v", src.name, res.UploadID, res.Checksum, res.ChecksumVerified, crc64b64(data), res.Notes)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(head.ChecksumCRC64NVME) != crc64b64(data) || head.ChecksumType != s3types.ChecksumTypeFullObject {
			t.Errorf("%s: HeadObject %s %s, want %s FULL_OBJECT", src.name, aws.ToString(head.ChecksumCRC64NVME), head.ChecksumType, crc64b64(data))
		}
		// The Go SDK validates a whole-object GetObject against it.
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(get.Body)
		get.Body.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: GetObject with checksum validation: %v (%d bytes)", src.name, err, len(got))
		}
	}
}

// S3 refuses a part whose declared CRC64NVME differs from its bytes, a part
// list stating another part checksum, and an object checksum that is not
// the parts' combined one; it returns part checksums from UploadPart and
// ListParts.
func TestChecksumRefusals(t *testing.T) {
	ctx := context.Background()
	c := s3Client(t, stack.Full)
	key := "checksum/refusals"
	cm, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc64nvme, ChecksumType: s3types.ChecksumTypeFullObject})
	if err != nil {
		t.Fatal(err)
	}
	id := cm.UploadId
	defer abort(c, key, aws.ToString(id))
	p1, p2 := bytes.Repeat([]byte("1"), 5*mib), []byte("the last part")
	put := func(n int32, b []byte, sum string) (*s3.UploadPartOutput, error) {
		return c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: id,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(b), ChecksumCRC64NVME: aws.String(sum)})
	}
	_, err = put(1, p1, crc64b64(p2))
	wantErr(t, err, "BadDigest", 400)
	o1, err := put(1, p1, crc64b64(p1))
	if err != nil {
		t.Fatal(err)
	}
	o2, err := put(2, p2, crc64b64(p2))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(o1.ChecksumCRC64NVME) != crc64b64(p1) || aws.ToString(o2.ChecksumCRC64NVME) != crc64b64(p2) {
		t.Errorf("UploadPart checksums %v %v", aws.ToString(o1.ChecksumCRC64NVME), aws.ToString(o2.ChecksumCRC64NVME))
	}
	lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 2 || aws.ToString(lp.Parts[0].ChecksumCRC64NVME) != crc64b64(p1) || aws.ToString(lp.Parts[1].ChecksumCRC64NVME) != crc64b64(p2) {
		t.Errorf("ListParts: %+v", lp.Parts)
	}
	whole := append(append([]byte(nil), p1...), p2...)
	complete := func(partSum1, objSum string) (*s3.CompleteMultipartUploadOutput, error) {
		return c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: id,
			ChecksumCRC64NVME: aws.String(objSum), ChecksumType: s3types.ChecksumTypeFullObject,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{
				{ETag: o1.ETag, PartNumber: aws.Int32(1), ChecksumCRC64NVME: aws.String(partSum1)},
				{ETag: o2.ETag, PartNumber: aws.Int32(2), ChecksumCRC64NVME: aws.String(crc64b64(p2))},
			}}})
	}
	_, err = complete(crc64b64(p2), crc64b64(whole))
	wantErr(t, err, "InvalidPart", 400)
	_, err = complete(crc64b64(p1), crc64b64(p1))
	wantErr(t, err, "BadDigest", 400)
	out, err := complete(crc64b64(p1), crc64b64(whole))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ChecksumCRC64NVME) != crc64b64(whole) || out.ChecksumType != s3types.ChecksumTypeFullObject {
		t.Errorf("Complete: %s %s, want %s", aws.ToString(out.ChecksumCRC64NVME), out.ChecksumType, crc64b64(whole))
	}

	// A single PutObject: a wrong checksum is refused, a right one is what
	// HeadObject reports.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("checksum/single"), Body: bytes.NewReader(p2), ChecksumCRC64NVME: aws.String(crc64b64(p1))})
	wantErr(t, err, "BadDigest", 400)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("checksum/single"), Body: bytes.NewReader(p2), ChecksumCRC64NVME: aws.String(crc64b64(p2))}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String("checksum/single"), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ChecksumCRC64NVME) != crc64b64(p2) {
		t.Errorf("HeadObject after PutObject: %s, want %s", aws.ToString(head.ChecksumCRC64NVME), crc64b64(p2))
	}
}

// The aws-chunked decoder finds the data and the trailer whatever the
// pieces the body arrives in.
func TestChunkDecoder(t *testing.T) {
	payload := []byte(strings.Repeat("abcdefghij", 7000))
	var enc bytes.Buffer
	for rest := payload; len(rest) > 0; {
		n := min(len(rest), 16384)
		enc.WriteString(strconv.FormatInt(int64(n), 16) + ";chunk-signature=00\r\n")
		enc.Write(rest[:n])
		enc.WriteString("\r\n")
		rest = rest[n:]
	}
	enc.WriteString("0\r\nx-amz-checksum-crc64nvme:" + crc64b64(payload) + "\r\n\r\n")
	for _, piece := range []int{1, 7, 4096, enc.Len()} {
		var d chunkDecoder
		h := crc64nvme.New()
		b := enc.Bytes()
		for len(b) > 0 {
			n := min(piece, len(b))
			d.feed(b[:n], h)
			b = b[n:]
		}
		var s [8]byte
		binary.BigEndian.PutUint64(s[:], h.Sum64())
		if d.data != int64(len(payload)) || base64.StdEncoding.EncodeToString(s[:]) != crc64b64(payload) || d.trailers["x-amz-checksum-crc64nvme"] != crc64b64(payload) {
			t.Errorf("pieces of %d: %d bytes, trailers %v", piece, d.data, d.trailers)
		}
	}
}

// Multipart uploads report when they started (moto: 2010-11-10 for all),
// so an age-based clean-up spares fresh ones.
func TestInitiatedIsReal(t *testing.T) {
	ctx := context.Background()
	c := s3Client(t, stack.Full)
	key := "initiated/fresh"
	before := time.Now()
	id, err := createSSE(t, c, key)
	if err != nil {
		t.Fatal(err)
	}
	defer abort(c, key, id)
	list, err := upload.ListUploads(ctx, c, upload.ListUploadsOptions{Bucket: stack.Bucket, Prefix: "initiated/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Uploads) != 1 {
		t.Fatalf("ListUploads: %+v", list.Uploads)
	}
	if got := list.Uploads[0].Initiated; got.Before(before.Add(-2*time.Second)) || got.After(time.Now().Add(2*time.Second)) {
		t.Errorf("Initiated %s, want about %s", got, before)
	}
	rep, err := upload.AbortUploadsOlderThan(ctx, c, upload.AbortOlderThanOptions{Bucket: stack.Bucket, Prefix: "initiated/", OlderThan: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Err == nil {
			t.Errorf("aborted a fresh upload: %+v", r)
		}
	}
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(stack.Bucket), Key: aws.String(key), UploadId: aws.String(id)}); err != nil {
		t.Errorf("the fresh upload is gone: %v", err)
	}
}
