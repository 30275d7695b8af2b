package upload

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

func randomBytes(n int64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for i := 0; i < len(b); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(b); j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

func kmsInput(data []byte) Input {
	return Input{
		Bucket: "bucket", Key: "obj", Body: bytes.NewReader(data), Size: int64(len(data)),
		SSE: SSE{Mode: SSEKMS, KMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/k1"},
	}
}

func TestUploadPaths(t *testing.T) {
	tests := []struct {
		name      string
		size      int64
		wantCalls []string
	}{
		{"empty", 0, []string{"PutObject"}},
		{"at threshold", 8 * size.MiB, []string{"PutObject"}},
		{"above threshold", 8*size.MiB + 1, []string{"CreateMultipartUpload", "UploadPart 1", "UploadPart 2", "CompleteMultipartUpload"}},
		{"five parts", 37 * size.MiB, []string{"CreateMultipartUpload", "UploadPart 1", "UploadPart 2", "UploadPart 3", "UploadPart 4", "UploadPart 5", "CompleteMultipartUpload"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.sendTwice = true // every body is sent twice: progress must not double count
			l := &countingListener{}
			data := randomBytes(tt.size)
			res, err := New(f, Options{Concurrency: 3, Listener: l}).Upload(context.Background(), kmsInput(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.callList(); !reflect.DeepEqual(got, tt.wantCalls) {
				t.Fatalf("calls = %v, want %v", got, tt.wantCalls)
			}
			if !bytes.Equal(f.objects["obj"], data) {
				t.Fatal("stored object differs from the source")
			}
			if l.bytes != tt.size {
				t.Fatalf("progress reported %d bytes, want %d", l.bytes, tt.size)
			}
			if sent := len(tt.wantCalls) - countCalls(tt.wantCalls, "Create") - countCalls(tt.wantCalls, "Complete"); l.retries != sent {
				t.Fatalf("%d retries reported for %d requests each sent twice", l.retries, sent)
			}
			if res.SSE != SSEKMS || res.KMSKeyID == "" {
				t.Fatalf("result encryption %q %q", res.SSE, res.KMSKeyID)
			}
			if len(l.started) != 1 {
				t.Fatalf("Started called %d times", len(l.started))
			}
			if res.Plan.Multipart != (res.UploadID != "") || res.Plan.Multipart != (l.started[0].UploadID != "") {
				t.Fatalf("upload id %q / %q for plan %+v", res.UploadID, l.started[0].UploadID, res.Plan)
			}
		})
	}
}

func TestFailedPartAbortsWithDetachedContext(t *testing.T) {
	denied := errors.New("AccessDenied")
	for _, abortErr := range []error{nil, errors.New("abort refused")} {
		f := newFake()
		f.failAbort = abortErr
		ctx, cancel := context.WithCancel(context.Background())
		f.failPart = func(n int32) error {
			if n == 2 {
				cancel() // the caller's context is gone by the time we abort
				return denied
			}
			return nil
		}
		_, err := New(f, Options{Concurrency: 1}).Upload(ctx, kmsInput(randomBytes(20*size.MiB)))
		var ue *Error
		if !errors.As(err, &ue) {
			t.Fatalf("error %v is not an *upload.Error", err)
		}
		if !errors.Is(err, denied) {
			t.Fatalf("error %v does not wrap the part's cause", err)
		}
		if ue.UploadID == "" {
			t.Fatal("no upload id in the error")
		}
		if !f.aborted || f.abortCtxErr != nil {
			t.Fatal("abort did not run on a live, detached context")
		}
		if abortErr == nil && (!ue.Aborted || len(f.uploads) != 0) {
			t.Fatalf("upload not aborted: %+v", ue)
		}
		if abortErr != nil && (ue.Aborted || !errors.Is(ue.AbortErr, abortErr)) {
			t.Fatalf("abort failure not reported: %+v", ue)
		}
		if _, ok := f.objects["obj"]; ok {
			t.Fatal("a failed upload left an object")
		}
	}
}

func TestEncryptionNotApplied(t *testing.T) {
	for _, sz := range []int64{1024, 9 * size.MiB} {
		f := newFake()
		f.ignoreSSE = true
		_, err := New(f, Options{}).Upload(context.Background(), kmsInput(randomBytes(sz)))
		var ee *EncryptionError
		if !errors.As(err, &ee) {
			t.Fatalf("size %d: error %v, want *EncryptionError", sz, err)
		}
		if calls := f.callList(); calls[len(calls)-1] != "HeadObject" {
			t.Fatalf("size %d: the response lacked SSE but HeadObject was not asked: %v", sz, calls)
		}
	}
}

func TestSameKey(t *testing.T) {
	const arn = "arn:aws:kms:us-east-1:123456789012:key/k1"
	tests := []struct {
		want, got string
		ok        bool
	}{
		{"", arn, true},
		{"", "", true},
		{"alias/x", arn, true},
		{arn, arn, true},
		{"k1", arn, true},
		{"k2", arn, false},
		{"arn:aws:kms:us-east-1:123456789012:key/k2", arn, false},
		{"k1", "", false},
	}
	for _, tt := range tests {
		if got := sameKey(tt.want, tt.got); got != tt.ok {
			t.Errorf("sameKey(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
		}
	}
}
