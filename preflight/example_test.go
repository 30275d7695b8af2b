package preflight_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// Run checks an SSE-KMS multipart upload before any data moves and
// reports one verdict per check. The clients here are in-memory fakes
// (memAWS, below); in production they are *s3.Client, *kms.Client and
// *sts.Client built from one aws.Config.
func ExampleRun() {
	mem := newMemAWS()
	plan, _ := upload.MakePlan(64<<20, upload.PlanOptions{}) // 64 MiB: multipart
	rep, err := preflight.Run(context.Background(),
		preflight.Clients{S3: mem, KMS: mem, STS: mem},
		preflight.Options{
			Bucket: "backups", Key: "db.tar",
			SSE:  upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/backup"},
			Plan: plan, Concurrency: 4, Canary: true, Region: "eu-west-1",
		})
	if err != nil { // only cancellation or missing clients: AWS failures are verdicts
		fmt.Println(err)
		return
	}
	for _, c := range rep.Checks {
		fmt.Printf("%-17s %s\n", c.Name, c.Status)
	}
	fmt.Println("verdict:", rep.Verdict)
	fmt.Println("principal:", rep.Principal) // the role, which policies name, not the session
	fmt.Println("key:", rep.KeyARN)
	// Output:
	// identity          PASS
	// source            PASS
	// bucket            PASS
	// region            PASS
	// bucket encryption PASS
	// lifecycle         PASS
	// key               PASS
	// kms requests      PASS
	// round trip        PASS
	// canary            PASS
	// reconcile         PASS
	// verdict: PASS
	// principal: arn:aws:iam::111122223333:role/Backup
	// key: arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
}

// A caller without kms:Decrypt fails the round trip: a multipart upload
// would be denied at its first part. The failing check has a stable code
// and a remedy, and Report.Hint passes the finding on to the upload's
// diagnosis (upload.Diagnostics.Hint).
func ExampleRun_decryptDenied() {
	mem := newMemAWS()
	mem.denyDecrypt = true
	plan, _ := upload.MakePlan(64<<20, upload.PlanOptions{})
	rep, _ := preflight.Run(context.Background(),
		preflight.Clients{S3: mem, KMS: mem, STS: mem},
		preflight.Options{
			Bucket: "backups", Key: "db.tar",
			SSE:  upload.SSE{Mode: upload.SSEKMS, KMSKeyID: "alias/backup"},
			Plan: plan, Region: "eu-west-1",
		})
	c, _ := rep.Check(preflight.CheckRoundTrip)
	fmt.Println(c.Name, c.Status, c.Code)
	fmt.Println("has remedy:", c.Remedy != "")
	fmt.Println("verdict:", rep.Verdict, "hint:", rep.Hint)
	// Output:
	// round trip FAIL missing_kms_decrypt
	// has remedy: true
	// verdict: FAIL hint: missing_kms_decrypt
}

// memAWS is S3, KMS and STS in memory, implementing preflight.S3API,
// KMSAPI and STSAPI: an account with one bucket (default encryption
// SSE-KMS, a lifecycle rule aborting stale uploads) and one enabled
// customer managed key.
type memAWS struct {
	mu          sync.Mutex
	denyDecrypt bool
	keys        map[string][]byte // ciphertext -> data key
}

var (
	_ preflight.S3API  = (*memAWS)(nil)
	_ preflight.KMSAPI = (*memAWS)(nil)
	_ preflight.STSAPI = (*memAWS)(nil)
)

const (
	account = "111122223333"
	keyARN  = "arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func newMemAWS() *memAWS { return &memAWS{keys: map[string][]byte{}} }

func (m *memAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{
		Account: aws.String(account), UserId: aws.String("AROAEXAMPLE:backup"),
		Arn: aws.String("arn:aws:sts::" + account + ":assumed-role/Backup/nightly"),
	}, nil
}

func (m *memAWS) HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error) {
	return &s3.HeadBucketOutput{BucketRegion: aws.String("eu-west-1")}, nil
}

func (m *memAWS) GetBucketEncryption(context.Context, *s3.GetBucketEncryptionInput, ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error) {
	return &s3.GetBucketEncryptionOutput{ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{
				SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN),
			},
			BucketKeyEnabled: aws.Bool(false),
		}},
	}}, nil
}

func (m *memAWS) GetBucketLifecycleConfiguration(context.Context, *s3.GetBucketLifecycleConfigurationInput, ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error) {
	return &s3.GetBucketLifecycleConfigurationOutput{Rules: []s3types.LifecycleRule{{
		ID: aws.String("abort-stale-uploads"), Status: s3types.ExpirationStatusEnabled,
		Filter:                         &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
		AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(7)},
	}}}, nil
}

func (m *memAWS) CreateMultipartUpload(_ context.Context, in *s3.CreateMultipartUploadInput, _ ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	return &s3.CreateMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, UploadId: aws.String("canary-1"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN)}, nil
}

// UploadPart is where S3 calls kms:Decrypt for an SSE-KMS multipart
// upload, so a missing Decrypt shows here as S3's bare AccessDenied.
func (m *memAWS) UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if m.denyDecrypt {
		return nil, denied("S3", "UploadPart", "AccessDenied", "Access Denied")
	}
	return &s3.UploadPartOutput{ETag: aws.String(`"0cc175b9c0f1b6a831c399e269772661"`)}, nil
}

func (m *memAWS) AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	return &s3.AbortMultipartUploadOutput{}, nil
}

func (m *memAWS) DescribeKey(context.Context, *kms.DescribeKeyInput, ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	return &kms.DescribeKeyOutput{KeyMetadata: &kmstypes.KeyMetadata{
		KeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab"), Arn: aws.String(keyARN), AWSAccountId: aws.String(account),
		KeyState: kmstypes.KeyStateEnabled, Enabled: true, KeyManager: kmstypes.KeyManagerTypeCustomer,
		KeySpec: kmstypes.KeySpecSymmetricDefault, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt,
	}}, nil
}

// GenerateDataKey makes a data key bound to its encryption context: Decrypt
// returns it only for the same context, as KMS does.
func (m *memAWS) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	pt := sha256.Sum256(fmt.Appendf(nil, "data key %d", len(m.keys)))
	blob := sealed(pt[:], in.EncryptionContext)
	m.keys[string(blob)] = pt[:]
	return &kms.GenerateDataKeyOutput{KeyId: aws.String(keyARN), Plaintext: append([]byte(nil), pt[:]...), CiphertextBlob: blob}, nil
}

func (m *memAWS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if m.denyDecrypt {
		return nil, denied("KMS", "Decrypt", "AccessDeniedException", "User: arn:aws:sts::"+account+":assumed-role/Backup/nightly is not authorized to perform: kms:Decrypt on resource: "+keyARN+" because no identity-based policy allows the kms:Decrypt action")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	pt, ok := m.keys[string(in.CiphertextBlob)]
	if !ok || string(sealed(pt, in.EncryptionContext)) != string(in.CiphertextBlob) {
		return nil, denied("KMS", "Decrypt", "InvalidCiphertextException", "")
	}
	return &kms.DecryptOutput{KeyId: aws.String(keyARN), Plaintext: append([]byte(nil), pt...)}, nil
}

// sealed stands in for KMS's ciphertext: it depends on the key and the
// encryption context, so a wrong context does not decrypt.
func sealed(pt []byte, ec map[string]string) []byte {
	h := sha256.New()
	h.Write(pt)
	fmt.Fprint(h, ec) // fmt prints maps sorted by key
	return h.Sum(nil)
}

// denied is an error shaped like the SDK's: OperationError > ResponseError
// (HTTP 400 or 403) > API error.
func denied(service, op, code, msg string) error {
	status := http.StatusForbidden
	if code == "InvalidCiphertextException" {
		status = http.StatusBadRequest
	}
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: code, Message: msg},
		},
		RequestID: "EXAMPLE",
	}}
}
