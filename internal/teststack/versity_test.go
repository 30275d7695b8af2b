package teststack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// startVersity starts a gateway for one test. It skips only when
// versitygw cannot be installed and CI is unset: in CI these tests are the
// integrity tests and must run.
func startVersity(t *testing.T, tlsOn bool) *Versity {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // first install builds
	defer cancel()
	v, err := StartVersity(ctx, VersityOptions{TLS: tlsOn})
	if errors.Is(err, ErrVersityNotInstalled) && os.Getenv("CI") == "" {
		t.Skip("versitygw unavailable (CI unset, so skipping):", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pid := v.PID()
		if err := v.Stop(); err != nil {
			t.Error("stop:", err)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("versitygw pid %d still there after Stop: %v", pid, err)
		}
	})
	return v
}

// headerLog records the headers of every request the SDK sends, to see
// what it did with our precomputed checksums.
type headerLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []http.Header
}

func (h *headerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.reqs = append(h.reqs, r.Header.Clone())
	h.mu.Unlock()
	return h.next.RoundTrip(r)
}

func (h *headerLog) last() http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reqs[len(h.reqs)-1]
}

func versityClient(v *Versity) (*s3.Client, *headerLog) {
	cfg := v.Config()
	hc := cfg.HTTPClient.(*http.Client)
	log := &headerLog{next: hc.Transport}
	hc.Transport = log
	// One attempt: the test wants the gateway's first answer.
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.RetryMaxAttempts = 1 }), log
}

func TestVersityFullObjectCRC64NVME(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"https", true}, {"http", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testFullObjectCRC64NVME(t, startVersity(t, tc.tls))
		})
	}
}

func testFullObjectCRC64NVME(t *testing.T, v *Versity) {
	ctx := context.Background()
	c, hdrs := versityClient(v)
	const alg = checksum.CRC64NVME
	rnd := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 12<<20+4321)
	for i := range data {
		data[i] = byte(rnd.Uint32())
	}
	chunks := [][]byte{data[:5<<20], data[5<<20 : 10<<20], data[10<<20:]}
	key := "full-object/" + t.Name()

	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(v.Bucket), Key: aws.String(key),
		ChecksumAlgorithm: alg.SDK(), ChecksumType: s3types.ChecksumTypeFullObject,
	})
	if err != nil {
		t.Fatal("CreateMultipartUpload:", err)
	}
	if create.ChecksumType != s3types.ChecksumTypeFullObject || create.ChecksumAlgorithm != alg.SDK() {
		t.Errorf("CreateMultipartUpload answered type %q algorithm %q", create.ChecksumType, create.ChecksumAlgorithm)
	}
	uploadPart := func(n int32, body []byte, b64 string) (*s3.UploadPartOutput, error) {
		in := &s3.UploadPartInput{
			Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		}
		checksum.SetUploadPart(in, alg, b64)
		return c.UploadPart(ctx, in)
	}

	// A part whose checksum does not match its bytes is refused.
	wrong, _ := checksum.Sum(alg, bytes.NewReader(chunks[0]))
	_, err = uploadPart(2, chunks[1], checksum.Encode(wrong))
	code, status := errStatus(err)
	t.Logf("wrong part checksum: HTTP %d %s (%v)", status, code, err)
	if err == nil || code != "BadDigest" {
		t.Errorf("UploadPart with a wrong checksum: code %q status %d, want BadDigest", code, status)
	}

	// ...and leaves nothing behind for a resume to trust.
	if lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId}); err != nil || len(lp.Parts) != 0 {
		t.Errorf("after the refused part ListParts = %d parts, %v; want none", len(lp.Parts), err)
	}

	var parts []checksum.Part
	var completed []s3types.CompletedPart
	for i, b := range chunks {
		sum, err := checksum.Sum(alg, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		b64 := checksum.Encode(sum)
		out, err := uploadPart(int32(i+1), b, b64)
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		// The SDK sent our value as a header and did not hash the body
		// itself: no aws-chunked trailer.
		h := hdrs.last()
		if got := h.Get("X-Amz-Checksum-Crc64nvme"); got != b64 {
			t.Errorf("part %d: header x-amz-checksum-crc64nvme = %q, want ours %q", i+1, got, b64)
		}
		if tr := h.Get("X-Amz-Trailer"); tr != "" {
			t.Errorf("part %d: SDK added a trailing checksum %q", i+1, tr)
		}
		if got := checksum.FromUploadPart(out, alg); got != b64 {
			t.Errorf("part %d: UploadPart returned checksum %q, want %q", i+1, got, b64)
		}
		parts = append(parts, checksum.Part{Sum: sum, Size: int64(len(b))})
		cp := s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))}
		checksum.SetCompletedPart(&cp, alg, b64)
		completed = append(completed, cp)
	}
	if v.TLS {
		if got := hdrs.last().Get("X-Amz-Content-Sha256"); got != "UNSIGNED-PAYLOAD" {
			t.Errorf("over TLS: x-amz-content-sha256 = %q, want UNSIGNED-PAYLOAD", got)
		}
	}

	listed, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId})
	if err != nil {
		t.Fatal("ListParts:", err)
	}
	if len(listed.Parts) != len(chunks) {
		t.Fatalf("ListParts lists %d parts, want %d", len(listed.Parts), len(chunks))
	}
	for i, p := range listed.Parts {
		if got, want := checksum.FromPart(p, alg), checksum.Encode(parts[i].Sum); got != want {
			t.Errorf("ListParts part %d: checksum %q, want %q", aws.ToInt32(p.PartNumber), got, want)
		}
		if aws.ToInt64(p.Size) != parts[i].Size {
			t.Errorf("ListParts part %d: size %d, want %d", aws.ToInt32(p.PartNumber), aws.ToInt64(p.Size), parts[i].Size)
		}
	}

	full, err := checksum.FullObject(alg, parts)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := checksum.Sum(alg, bytes.NewReader(data))
	if !bytes.Equal(full, whole) {
		t.Fatalf("FullObject %x != Sum of the file %x", full, whole)
	}
	in := &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: completed},
		MpuObjectSize:   aws.Int64(int64(len(data))),
	}
	checksum.SetComplete(in, alg, checksum.Encode(full))
	done, err := c.CompleteMultipartUpload(ctx, in)
	if err != nil {
		t.Fatal("CompleteMultipartUpload:", err)
	}
	got, typ := checksum.FromComplete(done, alg)
	if got != checksum.Encode(full) || typ != s3types.ChecksumTypeFullObject {
		t.Errorf("Complete returned %q (%s), want %q (FULL_OBJECT)", got, typ, checksum.Encode(full))
	}

	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal("HeadObject:", err)
	}
	if got, typ := checksum.FromHead(head, alg); got != checksum.Encode(full) || typ != s3types.ChecksumTypeFullObject {
		t.Errorf("HeadObject: %q (%s), want %q (FULL_OBJECT)", got, typ, checksum.Encode(full))
	}

	// The bytes themselves, with the SDK validating the response checksum.
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal("GetObject:", err)
	}
	h := sha256.New()
	_, err = io.Copy(h, obj.Body)
	obj.Body.Close()
	if err != nil {
		t.Fatal("GetObject body:", err)
	}
	if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Error("downloaded object differs from the upload")
	}
}

// Complete of a CRC64NVME upload: versitygw wants every part's checksum
// in the list (InvalidRequest otherwise), refuses a wrong full-object
// checksum with BadDigest, and keeps the upload after that refusal, so a
// corrected Complete still succeeds.
func TestVersityComplete(t *testing.T) {
	t.Parallel()
	v := startVersity(t, false)
	ctx := context.Background()
	c, _ := versityClient(v)
	const alg = checksum.CRC64NVME
	key := "wrong-full-object"
	body := bytes.Repeat([]byte("x"), 1<<20)
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(v.Bucket), Key: aws.String(key),
		ChecksumAlgorithm: alg.SDK(), ChecksumType: s3types.ChecksumTypeFullObject,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := checksum.Sum(alg, bytes.NewReader(body))
	up := &s3.UploadPartInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(body)}
	checksum.SetUploadPart(up, alg, checksum.Encode(sum))
	out, err := c.UploadPart(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	cp := s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(1)}
	in := &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{cp}},
	}
	_, err = c.CompleteMultipartUpload(ctx, in)
	code, status := errStatus(err)
	t.Logf("Complete without part checksums: HTTP %d %s (%v)", status, code, err)
	if err == nil {
		t.Fatal("Complete without part checksums succeeded")
	}

	checksum.SetCompletedPart(&in.MultipartUpload.Parts[0], alg, checksum.Encode(sum))
	bad := slices.Clone(sum)
	bad[0] ^= 1
	checksum.SetComplete(in, alg, checksum.Encode(bad))
	_, err = c.CompleteMultipartUpload(ctx, in)
	code, status = errStatus(err)
	t.Logf("wrong full-object checksum on Complete: HTTP %d %s (%v)", status, code, err)
	if code != "BadDigest" {
		t.Fatalf("Complete with a wrong full-object checksum: %q %d, want BadDigest", code, status)
	}

	checksum.SetComplete(in, alg, checksum.Encode(sum))
	done, err := c.CompleteMultipartUpload(ctx, in)
	if err != nil {
		t.Fatal("Complete with the right checksum after BadDigest:", err)
	}
	if got, _ := checksum.FromComplete(done, alg); got != checksum.Encode(sum) {
		t.Errorf("Complete returned %q, want %q", got, checksum.Encode(sum))
	}
}

// The other algorithms: versitygw's object checksum equals Composite or
// FullObject as the upload's type says (no type: COMPOSITE, as on S3);
// SHA with FULL_OBJECT is refused at CreateMultipartUpload.
func TestVersityOtherAlgorithms(t *testing.T) {
	t.Parallel()
	v := startVersity(t, false)
	ctx := context.Background()
	c, _ := versityClient(v)
	data := bytes.Repeat([]byte("0123456789abcdef"), (5<<20+1000)/16)
	chunks := [][]byte{data[:5<<20], data[5<<20:]}
	tests := []struct {
		alg     checksum.Algorithm
		typ     s3types.ChecksumType
		refused bool
	}{
		{checksum.CRC32, s3types.ChecksumTypeFullObject, false},
		{checksum.CRC32, s3types.ChecksumTypeComposite, false},
		{checksum.CRC32C, s3types.ChecksumTypeFullObject, false},
		{checksum.CRC32C, "", false},
		{checksum.SHA256, s3types.ChecksumTypeComposite, false},
		{checksum.SHA1, "", false},
		{checksum.SHA256, s3types.ChecksumTypeFullObject, true},
	}
	for _, tt := range tests {
		key := "alg/" + string(tt.alg) + "-" + string(tt.typ) + "x" // never ends in "/": a directory object
		create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: aws.String(v.Bucket), Key: aws.String(key), ChecksumAlgorithm: tt.alg.SDK(), ChecksumType: tt.typ,
		})
		if tt.refused {
			code, status := errStatus(err)
			t.Logf("%s %s at CreateMultipartUpload: HTTP %d %s (%v)", tt.alg, tt.typ, status, code, err)
			if err == nil {
				t.Errorf("%s %s: CreateMultipartUpload accepted it", tt.alg, tt.typ)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %s: %v", tt.alg, tt.typ, err)
		}
		var parts []checksum.Part
		var completed []s3types.CompletedPart
		for i, b := range chunks {
			sum, _ := checksum.Sum(tt.alg, bytes.NewReader(b))
			in := &s3.UploadPartInput{Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(b)}
			checksum.SetUploadPart(in, tt.alg, checksum.Encode(sum))
			out, err := c.UploadPart(ctx, in)
			if err != nil {
				t.Fatalf("%s %s part %d: %v", tt.alg, tt.typ, i+1, err)
			}
			cp := s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))}
			checksum.SetCompletedPart(&cp, tt.alg, checksum.Encode(sum))
			completed = append(completed, cp)
			parts = append(parts, checksum.Part{Sum: sum, Size: int64(len(b))})
		}
		done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(v.Bucket), Key: aws.String(key), UploadId: create.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: completed},
		})
		if err != nil {
			t.Fatalf("%s %s Complete: %v", tt.alg, tt.typ, err)
		}
		got, typ := checksum.FromComplete(done, tt.alg)
		want := checksum.Composite(tt.alg, parts)
		if tt.typ == s3types.ChecksumTypeFullObject {
			full, _ := checksum.FullObject(tt.alg, parts)
			want = checksum.Encode(full)
		}
		wantType := tt.typ
		if wantType == "" {
			wantType = s3types.ChecksumTypeComposite
		}
		if got != want || typ != wantType {
			t.Errorf("%s %q: Complete returned %q (%s), want %q (%s)", tt.alg, tt.typ, got, typ, want, wantType)
		}
	}
}

func TestVersityEnv(t *testing.T) {
	t.Parallel()
	v := startVersity(t, true)
	env := strings.Join(v.Env(), "\n")
	for _, want := range []string{"AWS_ENDPOINT_URL=https://127.0.0.1:", "AWS_CA_BUNDLE=" + v.CAFile, "AWS_CONFIG_FILE=/dev/null", "UPLOADER_TEST_BUCKET=" + v.Bucket} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %q", want)
		}
	}
	if _, err := os.Stat(v.CAFile); err != nil {
		t.Error(err)
	}
}
