package upload

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"sync"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// partTrailer sends a file part with its checksum in an aws-chunked
// trailer, computed as the transport reads the part: each byte is read
// from the file once, whatever the page cache holds, where a checksum in a
// header must be computed by a pass of its own before the part is sent.
// (The SDK can send a trailer too, but computes CRC64NVME with a
// table-driven CRC about 25 times slower than ours.) S3 checks the
// trailer as it checks a header: a part whose bytes differ is refused.
//
// Over plain HTTP, where SigV4 signs the payload (the SDK reads the part
// to hash it anyway) and S3 takes no trailers, the checksum goes in a
// header, computed first.
type partTrailer struct {
	alg checksum.Algorithm

	mu  sync.Mutex
	sum string // base64, of the last attempt whose body was read whole
}

// option is the per-request option that adds the trailer to UploadPart.
func (t *partTrailer) option(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Finalize.Insert(trailerMiddleware{t}, "ResolveEndpointV2", middleware.After)
	})
}

// checksum is the part's checksum as sent, "" when the middleware never
// ran (a Client that ignores the per-request options: errNoTrailer).
func (t *partTrailer) checksum() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sum
}

func (t *partTrailer) set(sum string) {
	t.mu.Lock()
	t.sum = sum
	t.mu.Unlock()
}

// errNoTrailer fails a part sent by a Client that did not run the
// per-request options: the part went out without its checksum, so S3
// checked nothing.
var errNoTrailer = errors.New("the S3 client did not run the per-request options (optFns, and the APIOptions they add): a part was sent without its checksum trailer; the Client must apply them as *s3.Client does")

type trailerMiddleware struct{ t *partTrailer }

func (trailerMiddleware) ID() string { return "UploaderChecksumTrailer" }

// HandleFinalize runs for every attempt (after the retry middleware), on
// the attempt's copy of the request, whose body is rewound.
func (m trailerMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok || req.GetStream() == nil || req.ContentLength <= 0 {
		return next.HandleFinalize(ctx, in)
	}
	t := m.t
	header := "x-amz-checksum-" + strings.ToLower(string(t.alg))
	if !req.IsHTTPS() {
		sum, err := sumAndRewind(t.alg, req.GetStream(), req.ContentLength)
		if err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		req.Header.Set(header, sum)
		t.set(sum)
		return next.HandleFinalize(ctx, in)
	}
	body := newTrailerBody(req.GetStream(), req.ContentLength, t.alg, header)
	req.Header.Add("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Trailer", header)
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.FormatInt(req.ContentLength, 10))
	req, err := req.SetStream(body)
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	req.ContentLength = body.length()
	in.Request = req
	ctx = v4.SetPayloadHash(ctx, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	out, md, err := next.HandleFinalize(ctx, in)
	if sum, ok := body.checksum(); ok {
		t.set(sum)
	}
	return out, md, err
}

// sumAndRewind hashes the n bytes of a request body and rewinds it.
func sumAndRewind(alg checksum.Algorithm, r io.Reader, n int64) (string, error) {
	s, ok := r.(io.Seeker)
	if !ok {
		return "", fmt.Errorf("part body %T cannot be rewound", r)
	}
	h := alg.New()
	if _, err := io.CopyN(h, r, n); err != nil {
		return "", fmt.Errorf("reading the part for its checksum: %w", err)
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return checksum.Encode(h.Sum(nil)), nil
}

// trailerBody is a part in aws-chunked encoding, one chunk and a trailer:
//
//	hex(n) CRLF <n bytes> CRLF "0" CRLF <header>:<base64 checksum> CRLF CRLF
//
// The checksum is of the bytes as they are read; fewer than n is an error,
// never a short part.
type trailerBody struct {
	src    io.Reader
	n      int64
	read   int64
	h      hash.Hash
	header string

	pre    []byte // the chunk header, sent first
	encLen int64  // the whole body's length, framing included
	tail   []byte // built once the data is read
	done   bool
}

func newTrailerBody(src io.Reader, n int64, alg checksum.Algorithm, header string) *trailerBody {
	b := &trailerBody{src: src, n: n, h: alg.New(), header: header,
		pre: []byte(strconv.FormatInt(n, 16) + "\r\n")}
	sumLen := base64.StdEncoding.EncodedLen(alg.Size())
	b.encLen = int64(len(b.pre)) + n + int64(len("\r\n0\r\n")+len(header)+1+sumLen+len("\r\n\r\n"))
	return b
}

// length is the encoded body's length, known before it is read (the
// request's Content-Length).
func (b *trailerBody) length() int64 { return b.encLen }

func (b *trailerBody) Read(p []byte) (int, error) {
	if len(b.pre) > 0 {
		n := copy(p, b.pre)
		b.pre = b.pre[n:]
		return n, nil
	}
	if b.read < b.n {
		if int64(len(p)) > b.n-b.read {
			p = p[:b.n-b.read]
		}
		n, err := b.src.Read(p)
		b.h.Write(p[:n])
		b.read += int64(n)
		switch {
		case errors.Is(err, io.EOF) && b.read < b.n:
			return n, fmt.Errorf("%w: the part ended %d bytes short", checksum.ErrShortRead, b.n-b.read)
		case err != nil && !errors.Is(err, io.EOF):
			return n, err
		}
		return n, nil
	}
	if b.tail == nil {
		b.tail = []byte("\r\n0\r\n" + b.header + ":" + checksum.Encode(b.h.Sum(nil)) + "\r\n\r\n")
		b.done = true
	}
	if len(b.tail) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.tail)
	b.tail = b.tail[n:]
	return n, nil
}

// checksum is the part's checksum once every byte was read.
func (b *trailerBody) checksum() (string, bool) {
	if !b.done {
		return "", false
	}
	return checksum.Encode(b.h.Sum(nil)), true
}
