package upload

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/size"
)

// chunkedServer is an S3 stand-in over TLS that decodes aws-chunked part
// bodies and records, per part, the headers and trailer that came.
type chunkedServer struct {
	mu    sync.Mutex
	parts map[string]chunkedPart
}

type chunkedPart struct {
	header  http.Header
	data    []byte
	trailer map[string]string
}

func (c *chunkedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		fmt.Fprint(w, `<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && q.Get("partNumber") != "":
		p := chunkedPart{header: r.Header.Clone(), trailer: map[string]string{}}
		br := bufio.NewReader(r.Body)
		line, _ := br.ReadString('\n')
		n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
		if err != nil {
			http.Error(w, "bad chunk header", 400)
			return
		}
		p.data = make([]byte, n)
		io.ReadFull(br, p.data)
		br.ReadString('\n') // CRLF after the data
		br.ReadString('\n') // "0" CRLF
		for {
			l, err := br.ReadString('\n')
			l = strings.TrimSpace(l)
			if l == "" || err != nil {
				break
			}
			k, v, _ := strings.Cut(l, ":")
			p.trailer[k] = v
		}
		c.mu.Lock()
		c.parts[q.Get("partNumber")] = p
		c.mu.Unlock()
		w.Header().Set("ETag", `"e`+q.Get("partNumber")+`"`)
	case r.Method == http.MethodPost && q.Get("uploadId") != "":
		fmt.Fprint(w, `<CompleteMultipartUploadResult><ETag>"done"</ETag></CompleteMultipartUploadResult>`)
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.String(), 400)
	}
}

// countingReaderAt counts the bytes read from a file's stand-in.
type countingReaderAt struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReaderAt) Read([]byte) (int, error) { return 0, errors.New("read in place only") }

// Over TLS a file's part goes with its checksum in an aws-chunked trailer:
// the right headers, the right value, and every byte of the source read
// once (no checksum pass of its own).
func TestFilePartsCarryATrailer(t *testing.T) {
	srv := &chunkedServer{parts: map[string]chunkedPart{}}
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	client := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), UsePathStyle: true, HTTPClient: ts.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	data := randomBytes(12 * size.MiB)
	src := &countingReaderAt{r: bytes.NewReader(data)}
	u := New(client, Options{PartSize: 5 * size.MiB, Concurrency: 2})
	res, err := u.Upload(context.Background(), Input{Bucket: "b", Key: "k", Body: src, Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.n.Load(); got != int64(len(data)) {
		t.Errorf("read %d bytes of the %d-byte source, want each byte once", got, len(data))
	}
	if len(srv.parts) != 3 {
		t.Fatalf("%d parts arrived, want 3", len(srv.parts))
	}
	for num, p := range srv.parts {
		want, _ := checksum.Sum(checksum.CRC64NVME, bytes.NewReader(p.data))
		h := p.header
		switch {
		case !strings.Contains(h.Get("Content-Encoding"), "aws-chunked"),
			h.Get("X-Amz-Trailer") != "x-amz-checksum-crc64nvme",
			h.Get("X-Amz-Content-Sha256") != "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
			h.Get("X-Amz-Decoded-Content-Length") != strconv.Itoa(len(p.data)),
			h.Get("X-Amz-Checksum-Crc64nvme") != "":
			t.Errorf("part %s headers: %v", num, h)
		}
		if got := p.trailer["x-amz-checksum-crc64nvme"]; got != checksum.Encode(want) {
			t.Errorf("part %s trailer %q, want %q", num, got, checksum.Encode(want))
		}
	}
	whole, _ := checksum.Sum(checksum.CRC64NVME, bytes.NewReader(data))
	if res.Checksum != checksum.Encode(whole) {
		t.Errorf("object checksum %s, want the file's %s", res.Checksum, checksum.Encode(whole))
	}
}

// The trailer body is framed exactly, says its length up front, and never
// sends a short part.
func TestTrailerBody(t *testing.T) {
	data := []byte("hello, trailer")
	b := newTrailerBody(bytes.NewReader(data), int64(len(data)), checksum.CRC32C, "x-amz-checksum-crc32c")
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := checksum.Sum(checksum.CRC32C, bytes.NewReader(data))
	want := "e\r\nhello, trailer\r\n0\r\nx-amz-checksum-crc32c:" + checksum.Encode(sum) + "\r\n\r\n"
	if string(got) != want || int64(len(got)) != b.length() {
		t.Fatalf("body %q (length %d, said %d), want %q", got, len(got), b.length(), want)
	}
	short := newTrailerBody(bytes.NewReader(data[:5]), int64(len(data)), checksum.CRC32C, "x-amz-checksum-crc32c")
	if _, err := io.ReadAll(short); !errors.Is(err, checksum.ErrShortRead) {
		t.Fatalf("a short source: %v, want ErrShortRead", err)
	}
	if _, ok := short.checksum(); ok {
		t.Fatal("a short part has a checksum")
	}
}

// optionless is a Client that ignores every call's per-request options.
type optionless struct{ *fakeS3 }

func (c optionless) UploadPart(ctx context.Context, in *s3.UploadPartInput, _ ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	return c.fakeS3.UploadPart(ctx, in)
}

// A Client that does not run the per-request options sends a file's part
// without its checksum trailer: the upload fails and says why, and the
// multipart upload is aborted, not completed unchecked.
func TestClientWithoutOptionsFails(t *testing.T) {
	f := newFake()
	data := randomBytes(12 * size.MiB)
	_, err := New(optionless{f}, Options{PartSize: 5 * size.MiB, Concurrency: 2}).Upload(context.Background(), kmsInput(data))
	if !errors.Is(err, errNoTrailer) {
		t.Fatalf("err = %v, want errNoTrailer", err)
	}
	if !strings.Contains(err.Error(), "per-request options") {
		t.Errorf("error %q does not name the per-request options", err)
	}
	if !f.aborted {
		t.Error("the multipart upload was not aborted")
	}
	for _, c := range f.callList() {
		if c == "CompleteMultipartUpload" {
			t.Error("an upload of unchecked parts was completed")
		}
	}
}
