package teststack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// sseInfo is what S3 keeps about an SSE-KMS object or upload: the key and
// the encryption context it asked KMS for, and the data key's ciphertext
// that every later part must have KMS decrypt.
type sseInfo struct {
	keyID   string // as the request named it
	keyARN  string // resolved by DescribeKey
	context map[string]string
	blob    []byte
}

// errBadEncryptionContext is S3's own message for a malformed
// x-amz-server-side-encryption-context, capitalized as S3 sends it: the
// gate answers what S3 answers.
//
//lint:ignore ST1005 S3's message, verbatim
var errBadEncryptionContext = errors.New("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map")

// sseForNewObject works out whether S3 would encrypt this new object with
// KMS and how: the request's headers, else the bucket's default encryption
// (read as Admin on each such request, since tests may change it).
func (g *gate) sseForNewObject(r *http.Request, q request) (sseInfo, bool, error) {
	alg := r.Header.Get("X-Amz-Server-Side-Encryption")
	keyID := r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")
	bucketKey := strings.EqualFold(r.Header.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"), "true")
	if alg == "" {
		var ok bool
		alg, keyID, bucketKey, ok = g.kms.bucketDefault(r.Context(), q.bucket)
		if !ok {
			return sseInfo{}, false, nil
		}
	}
	if alg != "aws:kms" && alg != "aws:kms:dsse" {
		return sseInfo{}, false, nil
	}
	if keyID == "" {
		// S3 would use the account's aws/s3 managed key, which moto does
		// not have: the stack's main key stands in for it.
		keyID = g.kms.defaultKey
	}
	ec := map[string]string{}
	if h := r.Header.Get("X-Amz-Server-Side-Encryption-Context"); h != "" {
		raw, err := base64.StdEncoding.DecodeString(h)
		if err != nil {
			return sseInfo{}, false, errBadEncryptionContext
		}
		if err := json.Unmarshal(raw, &ec); err != nil {
			return sseInfo{}, false, errBadEncryptionContext
		}
	}
	if bucketKey {
		ec["aws:s3:arn"] = "arn:aws:s3:::" + q.bucket
	} else {
		ec["aws:s3:arn"] = "arn:aws:s3:::" + q.bucket + "/" + q.key
	}
	return sseInfo{keyID: keyID, context: ec}, true, nil
}

// kmsFailure is a KMS outcome S3 would turn into an error for the client.
type kmsFailure struct {
	status  int
	code    string // S3 error code: AccessDenied, KMS.DisabledException, ...
	message string
	action  string // kms:GenerateDataKey or kms:Decrypt, for denials
	keyARN  string
}

func (f *kmsFailure) Error() string { return f.code + ": " + f.message }

// kmsCaller makes the KMS calls S3 would make, straight to moto (not through
// the gate, so they are neither counted nor refused by SetDenyDirectKMS),
// each signed as the requester; key state is read as Admin.
type kmsCaller struct {
	endpoint, region string
	admin            User
	defaultKey       string
	httpClient       *http.Client

	mu        sync.Mutex
	clients   map[string]*kms.Client // by access key id
	s3clients map[string]*s3.Client  // by access key id
}

func newKMSCaller(endpoint, region string, hc *http.Client) *kmsCaller {
	return &kmsCaller{endpoint: endpoint, region: region, httpClient: hc, clients: map[string]*kms.Client{}, s3clients: map[string]*s3.Client{}}
}

// setAdmin is called once seeding has made the admin user and main key,
// before the gate takes requests.
func (k *kmsCaller) setAdmin(admin User, defaultKey string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.admin, k.defaultKey = admin, defaultKey
}

// gateRetryAttempts lets the gate's own calls to moto survive a dropped
// keep-alive connection (moto's server closes them at will: seen as "use of
// closed network connection" mid-response). Denials are 400/403 answers,
// which the SDK never retries, so a denial still costs one call.
const gateRetryAttempts = 3

func (k *kmsCaller) client(u User) *kms.Client {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c := k.clients[u.AccessKeyID]; c != nil {
		return c
	}
	c := kms.New(kms.Options{
		Region:           k.region,
		BaseEndpoint:     aws.String(k.endpoint),
		Credentials:      staticCreds(u),
		HTTPClient:       k.httpClient,
		RetryMaxAttempts: gateRetryAttempts,
	})
	k.clients[u.AccessKeyID] = c
	return c
}

// s3Client is an S3 client to moto signed as u (for the admin's reads and
// the requester's permission probes).
func (k *kmsCaller) s3Client(u User) *s3.Client {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c := k.s3clients[u.AccessKeyID]; c != nil {
		return c
	}
	c := s3.New(s3.Options{
		Region:                     k.region,
		BaseEndpoint:               aws.String(k.endpoint),
		Credentials:                staticCreds(u),
		HTTPClient:                 k.httpClient,
		UsePathStyle:               true,
		RetryMaxAttempts:           gateRetryAttempts,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	k.s3clients[u.AccessKeyID] = c
	return c
}

func (k *kmsCaller) bucketDefault(ctx context.Context, bucket string) (alg, keyID string, bucketKey, ok bool) {
	k.mu.Lock()
	admin := k.admin
	k.mu.Unlock()
	out, err := k.s3Client(admin).GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	if err != nil || out.ServerSideEncryptionConfiguration == nil {
		return "", "", false, false
	}
	for _, rule := range out.ServerSideEncryptionConfiguration.Rules {
		if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
			return string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID), aws.ToBool(rule.BucketKeyEnabled), true
		}
	}
	return "", "", false, false
}

// describe resolves keyID and checks it exists (as Admin).
func (k *kmsCaller) describe(ctx context.Context, keyID string) (*kmstypes.KeyMetadata, error) {
	out, err := k.client(k.admin).DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		var nf *kmstypes.NotFoundException
		if errors.As(err, &nf) || apiCode(err) == "NotFoundException" {
			return nil, notFound(keyID)
		}
		return nil, fmt.Errorf("DescribeKey %s as admin: %w", keyID, err)
	}
	return out.KeyMetadata, nil
}

// generateDataKey is S3's call for PutObject/CreateMultipartUpload/CopyObject.
func (k *kmsCaller) generateDataKey(ctx context.Context, u User, sse *sseInfo) error {
	md, err := k.describe(ctx, sse.keyID)
	if err != nil {
		return err
	}
	sse.keyARN = aws.ToString(md.Arn)
	out, err := k.client(u).GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(sse.keyID),
		KeySpec:           kmstypes.DataKeySpecAes256,
		EncryptionContext: sse.context,
	})
	if err != nil {
		return classifyKMSError(err, "kms:GenerateDataKey", sse.keyID, sse.keyARN)
	}
	if err := stateError(md); err != nil {
		return err
	}
	sse.blob = out.CiphertextBlob
	return nil
}

// decrypt is S3's call for UploadPart/UploadPartCopy/CompleteMultipartUpload.
func (k *kmsCaller) decrypt(ctx context.Context, u User, sse sseInfo) error {
	md, err := k.describe(ctx, sse.keyARN)
	if err != nil {
		return err
	}
	_, err = k.client(u).Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    sse.blob,
		EncryptionContext: sse.context,
	})
	if err != nil {
		return classifyKMSError(err, "kms:Decrypt", sse.keyID, sse.keyARN)
	}
	return stateError(md)
}

// stateError is what S3 answers for a key KMS would refuse to use; moto's
// KMS itself keeps using disabled and pending-deletion keys.
func stateError(md *kmstypes.KeyMetadata) error {
	arn := aws.ToString(md.Arn)
	switch md.KeyState {
	case kmstypes.KeyStateEnabled:
		return nil
	case kmstypes.KeyStateDisabled:
		return &kmsFailure{status: 400, code: "KMS.DisabledException", message: arn + " is disabled.", keyARN: arn}
	case kmstypes.KeyStatePendingDeletion:
		return &kmsFailure{status: 400, code: "KMS.KMSInvalidStateException", message: arn + " is pending deletion.", keyARN: arn}
	default:
		return &kmsFailure{status: 400, code: "KMS.KMSInvalidStateException", message: fmt.Sprintf("%s is %s.", arn, md.KeyState), keyARN: arn}
	}
}

func notFound(keyID string) *kmsFailure {
	msg := fmt.Sprintf("Invalid keyId '%s'", keyID)
	if strings.HasPrefix(keyID, "arn:") {
		msg = fmt.Sprintf("Key '%s' does not exist", keyID)
	}
	return &kmsFailure{status: 400, code: "KMS.NotFoundException", message: msg}
}

// classifyKMSError maps a KMS error to S3's answer. moto's KMS denies with
// HTTP 403 and an XML body the SDK cannot decode, so the status decides.
func classifyKMSError(err error, action, keyID, keyARN string) error {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden || apiCode(err) == "AccessDeniedException" {
		return &kmsFailure{status: 403, code: "AccessDenied", message: "Access Denied", action: action, keyARN: keyARN}
	}
	switch apiCode(err) {
	case "NotFoundException":
		return notFound(keyID)
	case "DisabledException":
		return &kmsFailure{status: 400, code: "KMS.DisabledException", message: keyARN + " is disabled.", keyARN: keyARN}
	case "KMSInvalidStateException":
		return &kmsFailure{status: 400, code: "KMS.KMSInvalidStateException", message: keyARN + " is pending deletion.", keyARN: keyARN}
	case "ThrottlingException":
		return &kmsFailure{status: 503, code: "KMS.ThrottlingException", message: "Rate exceeded"}
	}
	return err
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// answerKMSError writes S3's error for a failed KMS step.
func (g *gate) answerKMSError(w http.ResponseWriter, r *http.Request, u User, q request, err error) {
	abrupt := g.faults.abrupt()
	if !abrupt {
		drain(r)
	}
	var f *kmsFailure
	if !errors.As(err, &f) {
		g.log.Printf("%s %s: KMS step failed: %v", u.Name, q.op, err)
		writeS3Error(w, r, http.StatusInternalServerError, "InternalError", "teststack gate: "+err.Error())
		return
	}
	msg := f.message
	if f.code == "AccessDenied" && g.enhanced.Load() {
		msg = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			u.ARN, f.action, f.keyARN, f.action)
	}
	g.log.Printf("%s %s: %s (%s)", u.Name, q.op, f.code, msg)
	if abrupt {
		// Without it a client that sent "Expect: 100-continue" sends the
		// body anyway, to keep the connection (Go's transport does).
		w.Header().Set("Connection", "close")
	}
	writeS3Error(w, r, f.status, f.code, msg)
	if abrupt {
		reset(w)
	}
}

// isKMSCryptoOp lists the KMS operations a kms:ViaService condition in a
// key policy would refuse when called directly.
func isKMSCryptoOp(op string) bool {
	switch op {
	case "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext", "Decrypt", "Encrypt", "ReEncrypt":
		return true
	}
	return false
}

// refuseDirectKMS answers a direct KMS call as KMS does when the key policy
// allows the key only through S3.
func (g *gate) refuseDirectKMS(w http.ResponseWriter, r *http.Request, u User, q request) {
	var in struct{ KeyId string }
	if r.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		_ = json.Unmarshal(b, &in)
	}
	resource := in.KeyId
	if resource == "" {
		resource = "this resource"
	} else if md, err := g.kms.describe(r.Context(), in.KeyId); err == nil {
		resource = aws.ToString(md.Arn)
	}
	action := "kms:" + q.op
	g.log.Printf("%s %s: refused direct KMS call (SetDenyDirectKMS)", u.Name, q.op)
	writeKMSError(w, "AccessDeniedException", fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action",
		u.ARN, action, resource, action))
}

func staticCreds(u User) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey, Source: "teststack"}, nil
	})
}
