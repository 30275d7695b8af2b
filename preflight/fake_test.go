package preflight

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const (
	acct      = "111122223333"
	otherAcct = "444455556666"
	region    = "us-east-1"
	keyARN    = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	xKeyARN   = "arn:aws:kms:us-east-1:444455556666:key/9999abcd-12ab-34cd-56ef-1234567890ab"
	userARN   = "arn:aws:iam::111122223333:user/uploader"
	sessARN   = "arn:aws:sts::111122223333:assumed-role/Uploader/session-1"
	roleARN   = "arn:aws:iam::111122223333:role/Uploader"
	bucket    = "data-bucket"
	objKey    = "backups/big.tar"
)

// fake is S3, KMS and STS in one, recording every call ("Service.Op") and
// the region it was sent to. Per-operation answers come from errs (a queue:
// the first error is used once, the last one stays) and the fields below.
type fake struct {
	mu      sync.Mutex
	calls   []string
	regions []string

	clientRegion string
	errs         map[string][]error

	callerARN    string
	headRegion   string // HeadBucketOutput.BucketRegion
	enc          *s3types.ServerSideEncryptionRule
	lifecycle    []s3types.LifecycleRule
	keyMeta      *kmstypes.KeyMetadata
	badDecrypt   bool // Decrypt returns another data key
	cancelOnPart context.CancelFunc
	// cancelOnCreate cancels the caller while S3's answer to the canary's
	// create is on its way: S3 made the upload either way.
	cancelOnCreate context.CancelFunc
	gdkIn          *kms.GenerateDataKeyInput
	decIn          *kms.DecryptInput
	createIn       *s3.CreateMultipartUploadInput
	creates        []*s3.CreateMultipartUploadInput // every one, in order
	partIn         *s3.UploadPartInput
	abortIn        *s3.AbortMultipartUploadInput
	abortCtxErr    error // ctx.Err() seen by AbortMultipartUpload
	plaintexts     [][]byte
}

func newFake() *fake {
	return &fake{
		clientRegion: region,
		errs:         map[string][]error{},
		callerARN:    userARN,
		headRegion:   region,
		keyMeta: &kmstypes.KeyMetadata{
			KeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab"), Arn: aws.String(keyARN),
			KeyState: kmstypes.KeyStateEnabled, KeySpec: kmstypes.KeySpecSymmetricDefault,
			KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt, KeyManager: kmstypes.KeyManagerTypeCustomer, Enabled: true,
		},
	}
}

func (f *fake) clients() Clients { return Clients{S3: f, KMS: f, STS: f} }

func (f *fake) fail(op string, errs ...error) *fake { f.errs[op] = errs; return f }

// record logs the call and returns the error queued for it, if any.
func (f *fake) record(op, reg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op)
	f.regions = append(f.regions, reg)
	q := f.errs[op]
	if len(q) == 0 {
		return nil
	}
	err := q[0]
	if len(q) > 1 {
		f.errs[op] = q[1:]
	}
	return err
}

func (f *fake) s3Region(fns []func(*s3.Options)) string {
	o := s3.Options{Region: f.clientRegion}
	for _, fn := range fns {
		fn(&o)
	}
	return o.Region
}

func (f *fake) kmsRegion(fns []func(*kms.Options)) string {
	o := kms.Options{Region: f.clientRegion}
	for _, fn := range fns {
		fn(&o)
	}
	return o.Region
}

func (f *fake) GetCallerIdentity(_ context.Context, _ *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if err := f.record("STS.GetCallerIdentity", f.clientRegion); err != nil {
		return nil, err
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(f.callerARN), Account: aws.String(acct), UserId: aws.String("AIDA")}, nil
}

func (f *fake) HeadBucket(_ context.Context, _ *s3.HeadBucketInput, fns ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	if err := f.record("S3.HeadBucket", f.s3Region(fns)); err != nil {
		return nil, err
	}
	return &s3.HeadBucketOutput{BucketRegion: aws.String(f.headRegion)}, nil
}

func (f *fake) GetBucketEncryption(_ context.Context, _ *s3.GetBucketEncryptionInput, fns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	if err := f.record("S3.GetBucketEncryption", f.s3Region(fns)); err != nil {
		return nil, err
	}
	if f.enc == nil {
		return nil, s3Err("GetBucketEncryption", 404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found")
	}
	return &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{*f.enc}}}, nil
}

func (f *fake) GetBucketLifecycleConfiguration(_ context.Context, _ *s3.GetBucketLifecycleConfigurationInput, fns ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error) {
	if err := f.record("S3.GetBucketLifecycleConfiguration", f.s3Region(fns)); err != nil {
		return nil, err
	}
	if f.lifecycle == nil {
		return nil, s3Err("GetBucketLifecycleConfiguration", 404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	}
	return &s3.GetBucketLifecycleConfigurationOutput{Rules: f.lifecycle}, nil
}

func (f *fake) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, fns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	f.createIn = in
	f.creates = append(f.creates, in)
	if err := f.record("S3.CreateMultipartUpload", f.s3Region(fns)); err != nil {
		return nil, err
	}
	if f.cancelOnCreate != nil {
		f.cancelOnCreate()
		if ctx.Err() != nil { // as the SDK does: the answer is dropped
			return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "CreateMultipartUpload", Err: ctx.Err()}
		}
	}
	return &s3.CreateMultipartUploadOutput{UploadId: aws.String("UPLOAD-1"), Bucket: in.Bucket, Key: in.Key}, nil
}

func (f *fake) UploadPart(_ context.Context, in *s3.UploadPartInput, fns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	f.partIn = in
	err := f.record("S3.UploadPart", f.s3Region(fns))
	if f.cancelOnPart != nil {
		f.cancelOnPart()
		return nil, &smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: context.Canceled}
	}
	if err != nil {
		return nil, err
	}
	return &s3.UploadPartOutput{ETag: aws.String(`"etag"`)}, nil
}

func (f *fake) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, fns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	f.abortIn = in
	f.abortCtxErr = ctx.Err()
	if err := f.record("S3.AbortMultipartUpload", f.s3Region(fns)); err != nil {
		return nil, err
	}
	return &s3.AbortMultipartUploadOutput{}, nil
}

func (f *fake) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, fns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	if err := f.record("KMS.DescribeKey", f.kmsRegion(fns)); err != nil {
		return nil, err
	}
	return &kms.DescribeKeyOutput{KeyMetadata: f.keyMeta}, nil
}

func (f *fake) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, fns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	f.gdkIn = in
	if err := f.record("KMS.GenerateDataKey", f.kmsRegion(fns)); err != nil {
		return nil, err
	}
	pt := []byte("0123456789abcdef0123456789abcdef")
	f.plaintexts = append(f.plaintexts, pt)
	return &kms.GenerateDataKeyOutput{Plaintext: pt, CiphertextBlob: []byte("blob"), KeyId: in.KeyId}, nil
}

func (f *fake) Decrypt(_ context.Context, in *kms.DecryptInput, fns ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	f.decIn = in
	if err := f.record("KMS.Decrypt", f.kmsRegion(fns)); err != nil {
		return nil, err
	}
	pt := []byte("0123456789abcdef0123456789abcdef")
	if f.badDecrypt {
		pt = []byte("ffffffffffffffffffffffffffffffff")
	}
	f.plaintexts = append(f.plaintexts, pt)
	return &kms.DecryptOutput{Plaintext: pt, KeyId: in.KeyId}, nil
}

// Errors shaped like the SDK's: OperationError > awshttp.ResponseError >
// smithyhttp.ResponseError > API error.
func sdkErr(service, op string, status int, inner error, reqID string, hdr ...string) error {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: h}},
			Err:      inner,
		},
		RequestID: reqID,
	}}
}

func s3Err(op string, status int, code, msg string, hdr ...string) error {
	return sdkErr("S3", op, status, &smithy.GenericAPIError{Code: code, Message: msg}, "S3REQ", hdr...)
}

// s3Denied is S3's bare 403, what a cross-account caller gets.
func s3Denied(op string) error { return s3Err(op, 403, "AccessDenied", "Access Denied") }

func kmsErr(op string, status int, code, msg string) error {
	return sdkErr("KMS", op, status, &smithy.GenericAPIError{Code: code, Message: msg}, "KREQ")
}

// kmsDenied is what moto (and proxies) send for a KMS denial: HTTP 403 with
// an XML body the SDK cannot decode.
func kmsDenied(op string) error {
	body := `<?xml version="1.0"?><ErrorResponse><Error><Code>AccessDeniedException</Code><Message>Access denied</Message></Error><RequestId>MOTO</RequestId></ErrorResponse>`
	return sdkErr("KMS", op, 403, &smithy.DeserializationError{Err: errors.New("failed to decode response body, invalid character '<'"), Snapshot: []byte(body)}, "")
}

// noCredentials is how the SDK fails when the chain finds nothing.
func noCredentials(service, op string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: fmt.Errorf("get identity: get credentials: failed to refresh cached credentials, no EC2 IMDS role found")}
}

// refusedErr is the SDK's chain for a connection refused at endpoint.
func refusedErr(service, op, endpoint string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &retry.MaxAttemptsError{Attempt: 3,
		Err: &smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: endpoint + "/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}}}}
}

// untrustedErr is the SDK's chain for a certificate signed by an unknown CA.
func untrustedErr(service, op, endpoint string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &smithyhttp.RequestSendError{
		Err: &url.Error{Op: "Post", URL: endpoint + "/x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}}}}
}
