package main

import (
	"fmt"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

// partSizeNote says, in one line, that the plan does not use the part size
// asked for (from names where it was asked: "--part-size", the profile's
// multipart_chunksize) and why; "" when it does, when none was asked, or
// when the upload is a single request and has no parts. expected is
// --expected-size for a stream (0 when not given).
func partSizeNote(asked int64, from string, p upload.Plan, expected int64) string {
	if asked <= 0 || !p.Multipart || p.PartSize == asked {
		return ""
	}
	want := fmt.Sprintf("%s %s", from, size.Format(asked))
	switch {
	case p.Size < 0:
		return fmt.Sprintf("%s would need %d parts for --expected-size %s, more than S3's %d: using parts of %s",
			want, ceilDiv(expected, asked), size.Format(expected), upload.MaxParts, size.Format(p.PartSize))
	case p.PartSize < asked:
		return fmt.Sprintf("%s is not smaller than the %s source, and a multipart upload needs two parts at least: using %d parts of %s",
			want, size.Format(p.Size), p.Parts, size.Format(p.PartSize))
	}
	return fmt.Sprintf("%s would need %d parts for %s, more than S3's %d: using %d parts of %s",
		want, ceilDiv(p.Size, asked), size.Format(p.Size), upload.MaxParts, p.Parts, size.Format(p.PartSize))
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
