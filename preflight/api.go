// Package preflight proves, before any data moves, that an upload will be
// allowed: identity, source and plan, bucket, effective KMS key, a KMS round
// trip with the encryption context S3 will use, and a canary through S3
// that writes nothing. It never prints and never exits; every AWS failure
// becomes a check verdict.
package preflight

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/diagnosis"
	"github.com/uploader-dev/uploader/upload"
)

// S3API is the part of S3 preflight calls. Every call may be denied; that
// is a verdict, not an error.
type S3API interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, optFns ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// KMSAPI is the part of KMS preflight calls directly.
type KMSAPI interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// STSAPI is the part of STS preflight calls.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var (
	_ S3API  = (*s3.Client)(nil)
	_ KMSAPI = (*kms.Client)(nil)
	_ STSAPI = (*sts.Client)(nil)
)

// Clients are the service clients Run uses; SDK clients in production,
// fakes in tests.
type Clients struct {
	S3  S3API
	KMS KMSAPI
	STS STSAPI
}

// Options describe the upload to check.
type Options struct {
	Bucket, Key string
	// SSE is what the upload will request; Mode "" means the bucket's
	// default encryption decides.
	SSE upload.SSE
	// Plan decides what must pass: a single request needs only
	// kms:GenerateDataKey (a missing kms:Decrypt is a WARN naming the risk
	// for bigger files); multipart needs kms:Decrypt too (FAIL). The zero
	// Plan is a 0-byte single request: pass upload.MakePlan(-1, ...) for
	// "assume multipart".
	Plan upload.Plan
	// Concurrency is the upload's part concurrency, for the memory line of
	// the plan.
	Concurrency int
	// Source is the path the Source check examines: "" when the plan comes
	// from a declared size (or none), "-" for stdin.
	Source string
	// Canary runs CreateMultipartUpload (+ UploadPart of 1 byte for a
	// multipart plan) + AbortMultipartUpload on a temporary key.
	Canary bool
	// Input is the upload's object: the canary's requests are built from
	// it by upload.Requests, so they carry every header the upload will
	// send (ACL, tagging, storage class, metadata, content headers,
	// checksum algorithm and type) and S3 checks what it will check then.
	// Its Bucket, Key, SSE and Body are not used: the fields above are.
	// The zero Input sends the encryption headers only.
	Input upload.Input
	// Checksum and NoChecksum are the upload's checksum settings, as in
	// upload.Options: the canary's part carries the checksum the upload's
	// parts will ("" = the engine's default, CRC64NVME).
	Checksum   upload.ChecksumAlgorithm
	NoChecksum bool
	// StallTimeout: a call whose connection moves no byte for this long
	// gets no answer (endpoint_stalled) and is not retried; once one call
	// got no answer the later ones wait at most 1.5 s, so a blackholed
	// endpoint ends the preflight (INCONCLUSIVE) within about StallTimeout
	// plus 5 s. 0 = 30 s, as the engine's; negative = no watch.
	StallTimeout time.Duration
	// Region is the clients' region; a bucket elsewhere is detected and the
	// remaining calls are sent to the bucket's region.
	Region string
}

// Status is a check's verdict.
type Status string

const (
	Pass Status = "PASS"
	Warn Status = "WARN"
	Fail Status = "FAIL"
	Skip Status = "SKIP" // not checked; Detail says why
	// Inconclusive is a verdict only: nothing failed, but nothing proved
	// the upload's requests would be allowed either (Report.Reason says
	// why, e.g. the endpoint could not be reached).
	Inconclusive Status = "INCONCLUSIVE"
)

// Check is one line of the report: a verdict with one line of evidence,
// and for a FAIL (and some WARNs) what to do.
type Check struct {
	Name   string         `json:"name"`
	Status Status         `json:"status"`
	Code   diagnosis.Code `json:"code,omitempty"`
	Detail string         `json:"detail"`
	Remedy string         `json:"remedy,omitempty"`
	// Rerun is set when the remedy is a change after which the same upload
	// (and preflight) can pass: a program may add "run it again" in its own
	// words. The texts never name a program's flags or commands.
	Rerun bool `json:"-"`
	// Operation is the S3 call whose answer the verdict rests on, for the
	// canary: the request the upload itself would have failed on.
	Operation string `json:"operation,omitempty"`
}

// Check names, in report order. They are part of the JSON output.
const (
	CheckIdentity    = "identity"
	CheckSource      = "source"
	CheckBucket      = "bucket"
	CheckRegion      = "region"
	CheckEncryption  = "bucket encryption"
	CheckLifecycle   = "lifecycle"
	CheckKey         = "key"
	CheckKMSRequests = "kms requests"
	CheckRoundTrip   = "round trip"
	CheckCanary      = "canary"
	CheckCleanup     = "canary cleanup" // only when the abort failed
	CheckReconcile   = "reconcile"
)

// Report is the outcome of Run.
type Report struct {
	Checks []Check `json:"checks"`
	// Verdict is FAIL if any check fails; else INCONCLUSIVE if no check
	// proved the planned requests (see proved); else WARN if any warns;
	// else PASS.
	Verdict Status `json:"verdict"`
	// Reason is, for an INCONCLUSIVE verdict, why nothing was proved, in one
	// line ("cannot reach http://127.0.0.1:1 (S3): connection refused"),
	// and ReasonCode its diagnosis code when it has one.
	Reason     string         `json:"reason,omitempty"`
	ReasonCode diagnosis.Code `json:"reason_code,omitempty"`
	// Principal is the caller's ARN; for an assumed-role session, the role
	// ARN, which is what policies must name.
	Principal string `json:"principal,omitempty"`
	// BucketRegion is the bucket's region when S3 said it ("" otherwise),
	// so the caller can correct its clients.
	BucketRegion string `json:"bucket_region,omitempty"`
	// KeyARN is the effective KMS key, resolved to an ARN when DescribeKey
	// allowed it (else as given); "" when the upload is not SSE-KMS.
	KeyARN string `json:"key,omitempty"`
	// BucketKey reports whether S3 will use an S3 Bucket Key (the flag, else
	// the bucket default).
	BucketKey bool `json:"bucket_key"`
	// Hint is what the KMS round trip proved missing, for the upload's
	// diagnosis: MissingKMSDecrypt, MissingKMSGenerateDataKey or "".
	Hint diagnosis.Code `json:"hint,omitempty"`
	// Requests is the number of AWS requests made (at most MaxRequests).
	Requests int `json:"requests"`
}

// MaxRequests is the request budget of one Run.
const MaxRequests = 12

// Failed reports whether any check failed.
func (r Report) Failed() bool { return r.Verdict == Fail }

// Inconclusive reports whether the checks proved nothing either way.
func (r Report) Inconclusive() bool { return r.Verdict == Inconclusive }

// Check returns the check named name, if the report has it.
func (r Report) Check(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}
