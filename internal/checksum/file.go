package checksum

import (
	"io"
	"os"
)

// SumSection returns a's checksum of r's bytes. When r is a section of an
// *os.File (however nested, as manager's part readers are), the bytes are
// hashed where the page cache holds them, through a read-only memory map,
// instead of being copied out first: the copy is most of the cost of a
// checksum pass (bench/RESULTS.md), and the SDK copies the part again to
// send it. Other readers, and systems without mmap, are read as Sum does.
// r's position is not moved.
func SumSection(a Algorithm, r *io.SectionReader) ([]byte, error) {
	if f, off, n, ok := fileSection(r); ok {
		if sum, err, done := sumMapped(a, f, off, n); done {
			return sum, err
		}
	}
	return Sum(a, io.NewSectionReader(r, 0, r.Size()))
}

// fileSection resolves nested section readers down to a file and the
// absolute offset and length of r's bytes in it.
func fileSection(r *io.SectionReader) (*os.File, int64, int64, bool) {
	n := r.Size()
	var off int64
	var ra io.ReaderAt = r
	for {
		sr, ok := ra.(*io.SectionReader)
		if !ok {
			break
		}
		outer, o, _ := sr.Outer()
		off += o
		ra = outer
	}
	f, ok := ra.(*os.File)
	return f, off, n, ok
}
