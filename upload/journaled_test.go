package upload

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

// TestJournaledFileFirstRun is the engine's main path: a file with a
// journal, first run, nothing failing. It is also the path whose
// cross-file calls `make hops` counts (internal/tools/hops).
func TestJournaledFileFirstRun(t *testing.T) {
	data := randomBytes(20 * size.MiB) // 3 parts of 8 MiB
	in, _ := fileInput(t, data)
	st := journals(t)
	f := newFake()
	res, err := New(f, Options{Concurrency: 2, Journals: st}).Upload(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"CreateMultipartUpload", "UploadPart 1", "UploadPart 2", "UploadPart 3", "CompleteMultipartUpload"}
	if got := f.callList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls = %v, want %v", got, want)
	}
	if !bytes.Equal(f.objects["obj"], data) {
		t.Fatal("stored object differs from the source")
	}
	if res.Parts != 3 || res.Resumed != 0 || res.Checksum == "" {
		t.Fatalf("result: %d parts, %d resumed, checksum %q", res.Parts, res.Resumed, res.Checksum)
	}
	if recs, _ := st.s.List(); len(recs) != 0 {
		t.Fatalf("journal left after completion: %+v", recs)
	}
}
