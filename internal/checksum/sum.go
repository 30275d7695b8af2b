package checksum

import (
	"encoding/base64"
	"io"
	"sync"
)

// bufSize is the read size for Sum. Measured (BenchmarkSum, 8 MiB): 64 to
// 256 KiB run equally fast; 1 MiB is slower because the buffer no longer
// stays in cache between the copy and the hash. The smaller end keeps the
// memory per part in flight low.
const bufSize = 128 << 10

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

// WellFormed reports whether v (base64) decodes to a checksum of a's size:
// servers may report another algorithm's value under a's name (moto puts a
// CRC32 in the CRC64NVME header), which must never count as a match.
func WellFormed(a Algorithm, v string) bool {
	b, err := Decode(v)
	return err == nil && len(b) == a.Size()
}
