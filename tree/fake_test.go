package tree

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/upload"
)

// fakeS3 stores PutObjects and lists what it holds, pageSize keys a page,
// in byte order. A key containing "slow" waits until its request is
// cancelled; "denied" is refused with 403 (once a slow one is in flight,
// when there is one); "throttled" with 503 SlowDown; "bad" with 400.
type fakeS3 struct {
	mu       sync.Mutex
	objects  map[string]types.Object
	puts     []string
	heads    int
	lists    []s3.ListObjectsV2Input
	pageSize int
	listErr  error
	slowIn   chan struct{}
	slowOnce sync.Once
}

func newFake() *fakeS3 {
	return &fakeS3{objects: map[string]types.Object{}, pageSize: 1000, slowIn: make(chan struct{})}
}

// put stores an object as if uploaded at t.
func (f *fakeS3) put(key string, size int64, t time.Time) {
	f.objects[key] = types.Object{Key: aws.String(key), Size: aws.Int64(size), LastModified: aws.Time(t)}
}

func sdkErr(op string, status int, code string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code},
		},
	}}
}

func (f *fakeS3) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	key := aws.ToString(in.Key)
	f.mu.Lock()
	f.puts = append(f.puts, key)
	f.mu.Unlock()
	switch {
	case strings.Contains(key, "slow"):
		f.slowOnce.Do(func() { close(f.slowIn) })
		<-ctx.Done()
		return nil, ctx.Err()
	case strings.Contains(key, "denied"):
		select {
		case <-f.slowIn:
		case <-time.After(200 * time.Millisecond):
		}
		return nil, sdkErr("PutObject", 403, "AccessDenied")
	case strings.Contains(key, "throttled"):
		return nil, sdkErr("PutObject", 503, "SlowDown")
	case strings.Contains(key, "bad"):
		return nil, sdkErr("PutObject", 400, "InvalidArgument")
	}
	f.mu.Lock()
	f.put(key, aws.ToInt64(in.ContentLength), time.Now())
	f.mu.Unlock()
	return &s3.PutObjectOutput{ETag: aws.String(`"e"`)}, nil
}

func (f *fakeS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, *in)
	if f.listErr != nil {
		return nil, f.listErr
	}
	var keys []string
	for k := range f.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // Go's string order is byte order, as S3's
	after := aws.ToString(in.StartAfter)
	if in.ContinuationToken != nil {
		after = aws.ToString(in.ContinuationToken)
	}
	i, _ := slices.BinarySearch(keys, after)
	for i < len(keys) && keys[i] <= after {
		i++
	}
	out := &s3.ListObjectsV2Output{}
	for ; i < len(keys) && len(out.Contents) < f.pageSize; i++ {
		out.Contents = append(out.Contents, f.objects[keys[i]])
	}
	if i < len(keys) {
		out.IsTruncated = aws.Bool(true)
		out.NextContinuationToken = out.Contents[len(out.Contents)-1].Key
	}
	return out, nil
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.heads++
	o, ok := f.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, sdkErr("HeadObject", 404, "NotFound")
	}
	return &s3.HeadObjectOutput{ContentLength: o.Size, LastModified: o.LastModified}, nil
}

var errNotInFake = errors.New("not used by these tests")

func (f *fakeS3) CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	return nil, errNotInFake
}
func (f *fakeS3) UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	return nil, errNotInFake
}
func (f *fakeS3) CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	return nil, errNotInFake
}
func (f *fakeS3) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return nil, errNotInFake
}
func (f *fakeS3) ListParts(context.Context, *s3.ListPartsInput, ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	return nil, errNotInFake
}

var (
	_ upload.Client = (*fakeS3)(nil)
	_ ListAPI       = (*fakeS3)(nil)
)

// writeJournal leaves a resume journal for (path, bucket, key), as a kept
// upload does.
func writeJournal(t interface {
	Helper()
	Fatal(...any)
}, js *upload.Journals, path, bucket, key string) {
	t.Helper()
	st, err := journal.Open(js.Dir())
	if err != nil {
		t.Fatal(err)
	}
	j, err := st.Lock(journal.Identity{Source: path, Bucket: bucket, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Begin(journal.Record{UploadID: "upload-1", Settings: journal.Settings{Size: 4, PartSize: 5 << 20, ModTime: time.Now()}}); err != nil {
		t.Fatal(err)
	}
}
