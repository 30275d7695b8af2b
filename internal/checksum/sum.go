package checksum

import (
	"encoding/base64"
	"io"
	"sync"
)

// bufSize is the read size for Sum. The SIMD CRCs reach full speed well
// below it; larger buffers would only cost memory, once per part in
// flight.
const bufSize = 256 << 10

// bufPool holds *[]byte so Put does not allocate.
var bufPool = sync.Pool{New: func() any {
	b := make([]byte, bufSize)
	return &b
}}

// Sum reads r to EOF and returns a's raw checksum of its bytes. It reads
// through a pooled buffer rather than io.Copy, which would allocate one
// (or, for an *os.File, go through its WriterTo) on every call.
func Sum(a Algorithm, r io.Reader) ([]byte, error) {
	h := a.New()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n]) // hash.Hash.Write never fails
		}
		if err == io.EOF {
			return h.Sum(nil), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Encode is sum as S3 carries it in headers and XML: standard base64.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Decode is the inverse of Encode, for values S3 returns.
func Decode(b64 string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(b64)
}
