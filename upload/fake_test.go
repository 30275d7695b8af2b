package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/internal/checksum"
)

// fakeS3 records calls and stores objects in memory. Hooks let a test fail
// or slow a call. Part bodies are read through the request's HTTP client,
// as the SDK's transport would, so per-request options (progress counting)
// are exercised; sendTwice reads each body twice, as a retried attempt.
type fakeS3 struct {
	mu             sync.Mutex
	calls          []string
	objects        map[string][]byte
	uploads        map[string]map[int32][]byte
	nextID         int
	ignoreSSE      bool // answer as a server that drops SSE headers
	sendTwice      bool
	beforeComplete func()
	afterPut       func() // runs once PutObject has stored its object
	// duringCreate runs once the upload is made, before the answer: a
	// caller cancelled then gets no id, as from the SDK, yet the upload
	// exists.
	duringCreate  func()
	denyListParts bool
	objSSE        map[string][2]string // key -> mode, key id as answered

	failPart    func(n int32) error // nil: succeed
	failAbort   error
	abortCtxErr error         // the abort context's state when abort ran
	abortLeft   time.Duration // the time its deadline left it (0: none)
	aborted     bool
	sse         map[string]*s3.CreateMultipartUploadInput
}

func newFake() *fakeS3 {
	return &fakeS3{objects: map[string][]byte{}, uploads: map[string]map[int32][]byte{}, sse: map[string]*s3.CreateMultipartUploadInput{}}
}

func (f *fakeS3) record(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

// callNames returns the calls with part numbers stripped, part calls sorted
// by number (they run concurrently).
func (f *fakeS3) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.calls...)
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := strings.HasPrefix(out[i], "UploadPart"), strings.HasPrefix(out[j], "UploadPart")
		return pi && pj && partNum(out[i]) < partNum(out[j])
	})
	return out
}

func partNum(s string) int {
	var n int
	fmt.Sscanf(s, "UploadPart %d", &n)
	return n
}

// transmit sends body as the SDK would: the per-request options apply to
// an s3.Options, the middleware they install (the engine's checksum
// trailer) runs on an HTTPS request, and the request goes out through the
// HTTP client they configure (progress counting). times > 1 sends it again,
// as a retried attempt.
func transmit(body io.Reader, optFns []func(*s3.Options), times int) ([]byte, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	for i := 0; i < times; i++ {
		o := s3.Options{HTTPClient: sinkClient{}}
		for _, fn := range optFns {
			fn(&o)
		}
		if err := runStack(o, data); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// runStack builds a request stack as the SDK's, with the steps the
// engine's middleware is placed against, applies o.APIOptions and sends
// data through o.HTTPClient.
func runStack(o s3.Options, data []byte) error {
	stack := middleware.NewStack("UploadPart", smithyhttp.NewStackRequest)
	err := stack.Serialize.Add(middleware.SerializeMiddlewareFunc("fakeSerialize",
		func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
			req := in.Request.(*smithyhttp.Request)
			req.Method = http.MethodPut
			req.URL, _ = url.Parse("https://fake.s3.amazonaws.com/part")
			req.ContentLength = int64(len(data))
			r, err := req.SetStream(bytes.NewReader(data))
			if err != nil {
				return middleware.SerializeOutput{}, middleware.Metadata{}, err
			}
			in.Request = r
			return next.HandleSerialize(ctx, in)
		}), middleware.After)
	if err != nil {
		return err
	}
	err = stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("ResolveEndpointV2",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
	if err != nil {
		return err
	}
	for _, fn := range o.APIOptions {
		if err := fn(stack); err != nil {
			return err
		}
	}
	h := middleware.DecorateHandler(smithyhttp.NewClientHandlerWithOptions(o.HTTPClient), stack)
	_, _, err = h.Handle(context.Background(), struct{}{})
	return err
}

type sinkClient struct{}

func (sinkClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
	}
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

func (f *fakeS3) times() int {
	if f.sendTwice {
		return 2
	}
	return 1
}

func (f *fakeS3) answerSSE(mode types.ServerSideEncryption, key *string) (types.ServerSideEncryption, *string) {
	if f.ignoreSSE {
		return "", nil
	}
	if mode == types.ServerSideEncryptionAwsKms && key == nil {
		key = aws.String("arn:aws:kms:us-east-1:123456789012:key/default")
	}
	return mode, key
}

func (f *fakeS3) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.record("PutObject")
	data, err := transmit(in.Body, optFns, f.times())
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.objects[*in.Key] = data
	mode, key := f.answerSSE(in.ServerSideEncryption, in.SSEKMSKeyId)
	f.rememberSSE(*in.Key, mode, key)
	f.mu.Unlock()
	if f.afterPut != nil {
		f.afterPut()
	}
	return &s3.PutObjectOutput{ETag: aws.String(`"etag"`), ServerSideEncryption: mode, SSEKMSKeyId: key}, nil
}

func (f *fakeS3) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as the SDK: a request on an ended context is not sent
	}
	f.record("CreateMultipartUpload")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	id := fmt.Sprintf("upload-%d", f.nextID)
	f.uploads[id] = map[int32][]byte{}
	f.sse[id] = in
	if f.duringCreate != nil {
		f.mu.Unlock()
		f.duringCreate()
		f.mu.Lock()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return &s3.CreateMultipartUploadOutput{UploadId: aws.String(id), Bucket: in.Bucket, Key: in.Key}, nil
}

func (f *fakeS3) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	n := aws.ToInt32(in.PartNumber)
	f.record(fmt.Sprintf("UploadPart %d", n))
	if f.failPart != nil {
		if err := f.failPart(n); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := transmit(in.Body, optFns, f.times())
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts, ok := f.uploads[aws.ToString(in.UploadId)]
	if !ok {
		return nil, errors.New("NoSuchUpload")
	}
	parts[n] = data
	return &s3.UploadPartOutput{ETag: aws.String(fmt.Sprintf(`"etag-%d"`, n))}, nil
}

func (f *fakeS3) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	f.record("CompleteMultipartUpload")
	if f.beforeComplete != nil {
		f.beforeComplete()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := aws.ToString(in.UploadId)
	parts := f.uploads[id]
	var buf bytes.Buffer
	for i, p := range in.MultipartUpload.Parts {
		if aws.ToInt32(p.PartNumber) != int32(i+1) {
			return nil, fmt.Errorf("InvalidPartOrder")
		}
		buf.Write(parts[int32(i+1)])
	}
	f.objects[*in.Key] = buf.Bytes()
	delete(f.uploads, id)
	c := f.sse[id]
	mode, key := f.answerSSE(c.ServerSideEncryption, c.SSEKMSKeyId)
	f.rememberSSE(*in.Key, mode, key)
	return &s3.CompleteMultipartUploadOutput{ETag: aws.String(`"etag-mp"`), ServerSideEncryption: mode, SSEKMSKeyId: key}, nil
}

func (f *fakeS3) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	f.record("AbortMultipartUpload")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aborted, f.abortCtxErr = true, ctx.Err()
	if dl, ok := ctx.Deadline(); ok {
		f.abortLeft = time.Until(dl)
	}
	if f.failAbort != nil {
		return nil, f.failAbort
	}
	delete(f.uploads, aws.ToString(in.UploadId))
	return &s3.AbortMultipartUploadOutput{}, nil
}

func (f *fakeS3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	f.record("HeadObject")
	f.mu.Lock()
	defer f.mu.Unlock()
	data, ok := f.objects[*in.Key]
	if !ok {
		return nil, errors.New("NotFound")
	}
	out := &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(data)))}
	if sse, ok := f.objSSE[*in.Key]; ok && sse[0] != "" {
		out.ServerSideEncryption, out.SSEKMSKeyId = types.ServerSideEncryption(sse[0]), aws.String(sse[1])
	}
	if in.ChecksumMode == types.ChecksumModeEnabled {
		sum, _ := checksum.Sum(checksum.CRC64NVME, bytes.NewReader(data))
		out.ChecksumCRC64NVME = aws.String(checksum.Encode(sum))
	}
	return out, nil
}

func (f *fakeS3) ListParts(ctx context.Context, in *s3.ListPartsInput, optFns ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	f.record("ListParts")
	if f.denyListParts {
		return nil, s3Denied("ListParts")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	parts, ok := f.uploads[aws.ToString(in.UploadId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchUpload", Message: "The specified upload does not exist."}
	}
	out := &s3.ListPartsOutput{}
	nums := make([]int, 0, len(parts))
	for n := range parts {
		nums = append(nums, int(n))
	}
	sort.Ints(nums)
	for _, n := range nums {
		out.Parts = append(out.Parts, types.Part{PartNumber: aws.Int32(int32(n)), Size: aws.Int64(int64(len(parts[int32(n)]))), ETag: aws.String(fmt.Sprintf(`"etag-%d"`, n))})
	}
	return out, nil
}

func (f *fakeS3) rememberSSE(key string, mode types.ServerSideEncryption, id *string) {
	if f.objSSE == nil {
		f.objSSE = map[string][2]string{}
	}
	f.objSSE[key] = [2]string{string(mode), aws.ToString(id)}
}

var _ Client = (*fakeS3)(nil)

// countingListener sums reported bytes and checks they never exceed max.
type countingListener struct {
	mu      sync.Mutex
	retries int
	bytes   int64
	parts   int
	started []StartInfo
}

func (l *countingListener) Started(s StartInfo) {
	l.mu.Lock()
	l.started = append(l.started, s)
	l.mu.Unlock()
}
func (l *countingListener) BytesSent(n int64) {
	l.mu.Lock()
	l.bytes += n
	l.mu.Unlock()
}
func (l *countingListener) Retrying(RetryInfo) {
	l.mu.Lock()
	l.retries++
	l.mu.Unlock()
}
func (l *countingListener) PartDone(PartInfo) {
	l.mu.Lock()
	l.parts++
	l.mu.Unlock()
}

type (
	s3UploadPartInput  = s3.UploadPartInput
	s3UploadPartOutput = s3.UploadPartOutput
	s3OptFn            = func(*s3.Options)
)
