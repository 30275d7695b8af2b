package upload_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// The production setup: SDK clients from an aws.Config (the SDK's default
// chain: profile, environment, SSO, instance role), a preflight that proves
// the upload will be allowed, and an upload that uses what the preflight
// learned to explain a failure. This example is compiled, not run: it needs
// AWS.
func Example_fromAWSConfig() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("backup"))
	if err != nil {
		log.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg) // satisfies upload.Client and preflight.S3API
	sse := upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/backup"}

	f, err := os.Open("/var/backups/db.tar")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}

	u := upload.New(s3c, upload.Options{Concurrency: 8})
	plan, err := u.Plan(fi.Size())
	if err != nil {
		log.Fatal(err) // a *upload.PlanError: nothing was sent
	}
	rep, err := preflight.Run(ctx, preflight.Clients{S3: s3c, KMS: kms.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)},
		preflight.Options{Bucket: "backups", Key: "db.tar", SSE: sse, Plan: plan, Concurrency: 8, Canary: true, Region: cfg.Region})
	if err != nil {
		log.Fatal(err)
	}
	if rep.Failed() {
		log.Fatalf("preflight failed; to do:\n%s", rep.RemedyText()) // each remedy once
	}
	if rep.Inconclusive() { // no answer: nothing proved, as the CLI's exit 5
		log.Fatalf("preflight inconclusive: %s", rep.Reason)
	}

	// The preflight's findings feed the diagnosis of a failure.
	diag := rep.Diagnostics()
	if diag.Region == "" {
		diag.Region = cfg.Region
	}
	// A KMS client lets the engine prove a bare denial's cause before
	// naming it.
	u = upload.New(s3c, upload.Options{Concurrency: 8, KMS: kms.NewFromConfig(cfg), Diagnostics: diag})
	res, err := u.Upload(ctx, upload.Input{
		Bucket: "backups", Key: "db.tar",
		Body: f, Size: fi.Size(), // an *os.File is read in place, part by part
		SourcePath: f.Name(), // never complete from a file that changed meanwhile
		SSE:        sse,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored", res.ETag, res.VersionID)
}

// Upload a buffer; a bytes.Reader is an io.ReaderAt, so its parts are read
// in place. The client here is an in-memory S3 (memS3, below); in
// production it is an *s3.Client.
func ExampleUploader_Upload() {
	client := newMemS3()
	u := upload.New(client, upload.Options{PartSize: 5 << 20, Concurrency: 2})

	data := bytes.Repeat([]byte("backup!\n"), 12<<20/8) // 12 MiB: above the 8 MiB threshold
	res, err := u.Upload(context.Background(), upload.Input{
		Bucket: "backups", Key: "db.tar",
		Body: bytes.NewReader(data), Size: int64(len(data)),
		SSE: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/backup"},
	})
	if err != nil {
		fmt.Println("upload failed:", err)
		return
	}
	fmt.Printf("s3://%s/%s: %d bytes, multipart=%v, %d parts of %d MiB\n",
		res.Bucket, res.Key, res.Size, res.Plan.Multipart, res.Plan.Parts, res.Plan.PartSize>>20)
	fmt.Println("upload id:", res.UploadID)
	fmt.Println("encryption:", res.SSE, res.KMSKeyID)
	fmt.Println("stored intact:", bytes.Equal(client.object("backups", "db.tar"), data))
	// Output:
	// s3://backups/db.tar: 12582912 bytes, multipart=true, 3 parts of 5 MiB
	// upload id: upload-1
	// encryption: aws:kms arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
	// stored intact: true
}

// A stream from a command: CommandOutput makes the command's failure the
// upload's, so `tar` of a missing directory stores nothing instead of the
// few bytes it wrote before it failed.
func ExampleCommandOutput() {
	client := newMemS3()
	u := upload.New(client, upload.Options{})
	// Stands for: exec.Command("tar", "c", "/srv/missing").
	cmd := exec.Command("sh", "-c", "echo partial; echo 'tar: /srv/missing: Cannot stat' >&2; exit 2")
	body, err := upload.CommandOutput(cmd)
	if err != nil {
		fmt.Println(err) // the command could not start
		return
	}
	defer body.Close()
	_, err = u.Upload(context.Background(), upload.Input{Bucket: "backups", Key: "srv.tar", Body: body, Size: -1})
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		fmt.Println("upload failed: tar exited with status", exit.ExitCode())
	}
	var ce *upload.CommandError
	if errors.As(err, &ce) {
		fmt.Println("it said:", strings.TrimSpace(ce.Stderr))
	}
	fmt.Println("stored:", client.object("backups", "srv.tar") != nil)
	// Output:
	// upload failed: tar exited with status 2
	// it said: tar: /srv/missing: Cannot stat
	// stored: false
}

// partCounter is a Listener. Its methods are called from many goroutines
// at once (one per part in flight), so it keeps its counts under a mutex;
// it embeds NopListener to skip the events it does not need.
type partCounter struct {
	upload.NopListener
	mu    sync.Mutex
	parts int // planned
	done  int
	bytes int64
}

func (p *partCounter) Started(s upload.StartInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.parts = s.Plan.Parts
	fmt.Printf("started %s: %d parts, %d at a time\n", s.UploadID, s.Plan.Parts, s.Concurrency)
}

func (p *partCounter) BytesSent(n int64) {
	p.mu.Lock()
	p.bytes += n
	p.mu.Unlock()
}

func (p *partCounter) PartDone(upload.PartInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++ // parts finish in any order; the count is what a bar shows
	fmt.Printf("%d/%d parts done\n", p.done, p.parts)
}

// Progress is a Listener in Options: the engine reports events, the caller
// draws them (a bar, JSON lines, ...).
func ExampleNew_progress() {
	progress := &partCounter{}
	u := upload.New(newMemS3(), upload.Options{PartSize: 5 << 20, Concurrency: 3, Listener: progress})

	data := make([]byte, 12<<20)
	_, err := u.Upload(context.Background(), upload.Input{
		Bucket: "backups", Key: "zeros", Body: bytes.NewReader(data), Size: int64(len(data)),
	})
	if err != nil {
		fmt.Println("upload failed:", err)
		return
	}
	fmt.Println("bytes sent:", progress.bytes)
	// Output:
	// started upload-1: 3 parts, 3 at a time
	// 1/3 parts done
	// 2/3 parts done
	// 3/3 parts done
	// bytes sent: 12582912
}

// A failure is a chain of typed errors. *upload.Error carries the multipart
// upload id and what became of the upload; the *upload.Diagnosis in it
// names the cause with a stable Code (upload.MissingKMSDecrypt, ...), the
// operation, the part, the key, the principal and the remedy.
func Example_diagnosis() {
	client := newMemS3()
	// S3 denies the second part: with SSE-KMS, that is what a caller with
	// kms:GenerateDataKey but without kms:Decrypt gets (S3 calls Decrypt to
	// add a part to an encrypted multipart upload).
	client.failPart = func(n int32) error {
		if n == 2 {
			return accessDenied("UploadPart")
		}
		return nil
	}
	// S3 says only "Access Denied", and a missing s3:PutObject would look
	// the same. With Options.KMS (a *kms.Client in production; here one
	// that is denied Decrypt) the engine proves which before naming it:
	// once, it makes S3's GenerateDataKey -> Decrypt round trip itself.
	u := upload.New(client, upload.Options{PartSize: 5 << 20, Concurrency: 1, KMS: kmsWithoutDecrypt{}})
	data := make([]byte, 12<<20)
	_, err := u.Upload(context.Background(), upload.Input{
		Bucket: "backups", Key: "db.tar", Body: bytes.NewReader(data), Size: int64(len(data)),
		SSE: upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/backup"},
	})

	var d *upload.Diagnosis
	if errors.As(err, &d) {
		fmt.Println("code:", d.Code, d.Code == upload.MissingKMSDecrypt)
		fmt.Printf("where: %s, part %d of %d\n", d.Operation, d.Part, d.Parts)
	}
	var ue *upload.Error
	if errors.As(err, &ue) {
		fmt.Println("upload id:", ue.UploadID)
		fmt.Println("aborted:", ue.Aborted) // no journal (Options.Journals): nothing to resume, so it is cleaned up
	}
	// Output:
	// code: missing_kms_decrypt true
	// where: UploadPart, part 2 of 3
	// upload id: upload-1
	// aborted: true
}

// kmsWithoutDecrypt is KMS for a caller allowed kms:GenerateDataKey but
// not kms:Decrypt.
type kmsWithoutDecrypt struct{}

func (kmsWithoutDecrypt) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return &kms.GenerateDataKeyOutput{Plaintext: make([]byte, 32), CiphertextBlob: []byte("blob")}, nil
}

func (kmsWithoutDecrypt) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, &smithy.OperationError{ServiceID: "KMS", OperationName: "Decrypt", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: kms:Decrypt"},
		},
	}}
}

// cancelAfterFirstPart is a Listener that cancels the upload's context
// once S3 has acknowledged a part, as Ctrl-C would.
type cancelAfterFirstPart struct {
	upload.NopListener
	cancel context.CancelFunc
}

func (c cancelAfterFirstPart) PartDone(upload.PartInfo) { c.cancel() }

// With Options.Journals (upload.OpenJournals), a file upload that is
// cancelled (or fails) is kept and journaled; running the same upload again
// sends only the parts S3 does not have.
func Example_resume() {
	dir, err := os.MkdirTemp("", "resume-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "db.tar")
	if err := os.WriteFile(src, make([]byte, 12<<20), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	journals, err := upload.OpenJournals(filepath.Join(dir, "state"))
	if err != nil {
		fmt.Println(err)
		return
	}
	client := newMemS3()
	run := func(ctx context.Context, l upload.Listener) (upload.Result, error) {
		f, err := os.Open(src)
		if err != nil {
			return upload.Result{}, err
		}
		defer f.Close()
		u := upload.New(client, upload.Options{PartSize: 5 << 20, Concurrency: 1, Journals: journals, Listener: l})
		return u.Upload(ctx, upload.Input{Bucket: "backups", Key: "db.tar", Body: f, Size: 12 << 20, SourcePath: src})
	}

	ctx, cancel := context.WithCancel(context.Background())
	_, err = run(ctx, cancelAfterFirstPart{cancel: cancel})
	var ue *upload.Error
	if errors.As(err, &ue) {
		fmt.Printf("first run: cancelled=%v, upload %s kept=%v\n", errors.Is(err, context.Canceled), ue.UploadID, ue.Kept)
	}

	res, err := run(context.Background(), nil)
	if err != nil {
		fmt.Println("second run:", err)
		return
	}
	fmt.Printf("second run: upload %s completed, %d MiB resumed, %d MiB sent\n", res.UploadID, res.Resumed>>20, (res.Size-res.Resumed)>>20)
	// Output:
	// first run: cancelled=true, upload upload-1 kept=true
	// second run: upload upload-1 completed, 5 MiB resumed, 7 MiB sent
}

// accessDenied is S3's bare 403 as the SDK returns it.
func accessDenied(op string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"},
		},
		RequestID: "EXAMPLE",
	}}
}

// memS3 is an in-memory S3 that implements upload.Client, enough for the
// examples: objects and multipart uploads in maps, SSE-KMS echoed with a
// fixed key ARN, S3-style ETags. failPart, when set, fails UploadPart.
type memS3 struct {
	mu       sync.Mutex
	objects  map[string][]byte
	sse      map[string]*s3.CreateMultipartUploadInput // by upload id
	uploads  map[string]map[int32][]byte
	nextID   int
	failPart func(part int32) error
}

var _ upload.Client = (*memS3)(nil)

const memKeyARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func newMemS3() *memS3 {
	return &memS3{objects: map[string][]byte{}, sse: map[string]*s3.CreateMultipartUploadInput{}, uploads: map[string]map[int32][]byte{}}
}

func (m *memS3) object(bucket, key string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.objects[bucket+"/"+key]
}

// encryption is what S3 reports for an object written with these headers.
func encryption(mode types.ServerSideEncryption) (types.ServerSideEncryption, *string) {
	if mode == types.ServerSideEncryptionAwsKms || mode == types.ServerSideEncryptionAwsKmsDsse {
		return mode, aws.String(memKeyARN)
	}
	return mode, nil
}

func etag(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

func (m *memS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.objects[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)] = b
	m.mu.Unlock()
	mode, key := encryption(in.ServerSideEncryption)
	return &s3.PutObjectOutput{ETag: aws.String(etag(b)), ServerSideEncryption: mode, SSEKMSKeyId: key}, nil
}

func (m *memS3) CreateMultipartUpload(_ context.Context, in *s3.CreateMultipartUploadInput, _ ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	id := fmt.Sprintf("upload-%d", m.nextID)
	m.uploads[id] = map[int32][]byte{}
	m.sse[id] = in
	mode, key := encryption(in.ServerSideEncryption)
	return &s3.CreateMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, UploadId: aws.String(id), ServerSideEncryption: mode, SSEKMSKeyId: key}, nil
}

func (m *memS3) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as the SDK fails a request on a cancelled context
	}
	n := aws.ToInt32(in.PartNumber)
	if m.failPart != nil {
		if err := m.failPart(n); err != nil {
			return nil, err
		}
	}
	// The per-request options and their middleware run, as in the SDK:
	// the engine sends a file's part checksum in a trailer they add.
	b, err := upload.Transmit(in.Body, optFns, 1)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	parts, ok := m.uploads[aws.ToString(in.UploadId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchUpload", Message: "The specified upload does not exist."}
	}
	parts[n] = b
	return &s3.UploadPartOutput{ETag: aws.String(etag(b))}, nil
}

func (m *memS3) CompleteMultipartUpload(_ context.Context, in *s3.CompleteMultipartUploadInput, _ ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := aws.ToString(in.UploadId)
	parts, ok := m.uploads[id]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchUpload", Message: "The specified upload does not exist."}
	}
	var obj, sums []byte
	for _, p := range in.MultipartUpload.Parts {
		b := parts[aws.ToInt32(p.PartNumber)]
		obj = append(obj, b...)
		sum := md5.Sum(b)
		sums = append(sums, sum[:]...)
	}
	m.objects[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)] = obj
	mode, key := encryption(m.sse[id].ServerSideEncryption)
	delete(m.uploads, id)
	tag := etag(sums)
	tag = fmt.Sprintf("%s-%d\"", tag[:len(tag)-1], len(in.MultipartUpload.Parts))
	return &s3.CompleteMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, ETag: aws.String(tag), ServerSideEncryption: mode, SSEKMSKeyId: key}, nil
}

func (m *memS3) AbortMultipartUpload(_ context.Context, in *s3.AbortMultipartUploadInput, _ ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.uploads, aws.ToString(in.UploadId))
	return &s3.AbortMultipartUploadOutput{}, nil
}

func (m *memS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[aws.ToString(in.Bucket)+"/"+aws.ToString(in.Key)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NotFound", Message: "Not Found"}
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(b)))}, nil
}

func (m *memS3) ListParts(_ context.Context, in *s3.ListPartsInput, _ ...func(*s3.Options)) (*s3.ListPartsOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	parts, ok := m.uploads[aws.ToString(in.UploadId)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "NoSuchUpload", Message: "The specified upload does not exist."}
	}
	out := &s3.ListPartsOutput{Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId}
	for n, b := range parts {
		out.Parts = append(out.Parts, types.Part{PartNumber: aws.Int32(n), Size: aws.Int64(int64(len(b))), ETag: aws.String(etag(b))})
	}
	sort.Slice(out.Parts, func(i, j int) bool { return *out.Parts[i].PartNumber < *out.Parts[j].PartNumber })
	return out, nil
}
