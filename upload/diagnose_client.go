package upload

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// Diagnostics is what the engine knows of the caller and the bucket, to
// explain a failure (preflight learns most of it). All fields are optional.
type Diagnostics struct {
	Principal string // caller ARN; role ARN for assumed roles
	KeyARN    string // the key S3 will use, resolved; "" = the request's key id
	BucketSSE string // the bucket's default encryption, when the request sets none
	Region    string
	Hint      diagnose.Code // what preflight's KMS round trip proved missing
	// LookupPrincipal is called once, on the first diagnosed failure, when
	// Principal is "" (the CLI asks STS). Errors leave it unknown.
	LookupPrincipal func(context.Context) (string, error)
}

// diagnosingClient turns errors into *diagnose.Diagnosis where we can
// explain them, and stops the whole upload at the first permanent one:
// in-flight parts are cancelled through stop, since every other part would
// fail the same way and each costs a request (and, for KMS, a KMS call).
type diagnosingClient struct {
	Client
	info  Diagnostics
	in    Input
	plan  Plan
	stop  context.CancelCauseFunc
	mu    sync.Mutex // guards info.Principal and state
	state struct {
		created  bool
		uploadID string
	}
	lookup sync.Once
}

// principalLookupTimeout bounds the STS call made to name the principal:
// a failure must not wait on it for long.
const principalLookupTimeout = 10 * time.Second

func (c *diagnosingClient) context(op string, part int32) diagnose.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	sse := c.in.SSE.Mode
	if sse == "" {
		sse = c.info.BucketSSE
	}
	key := c.info.KeyARN
	if key == "" {
		key = c.in.SSE.KMSKeyID
	}
	return diagnose.Context{
		Operation: op, Part: part, Parts: int32(c.plan.Parts),
		SSE: sse, Key: key, Principal: c.info.Principal,
		Bucket: c.in.Bucket, ObjectKey: c.in.Key, Region: c.info.Region,
		UploadID: c.state.uploadID, MultipartCreated: c.state.created,
		Hint: c.info.Hint,
	}
}

// explain classifies err; a permanent diagnosis stops the upload.
func (c *diagnosingClient) explain(ctx context.Context, op string, part int32, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	d := diagnose.Classify(err, c.context(op, part))
	if d == nil {
		return err
	}
	if d.Principal == "" && c.lookupPrincipal(ctx) {
		d = diagnose.Classify(err, c.context(op, part))
	}
	if d.Code != diagnose.KMSThrottled && c.stop != nil {
		c.stop(d)
	}
	return d
}

// lookupPrincipal asks once who we are, for the remedy's statements, and
// reports whether the principal is now known. The call runs outside c.mu,
// on a context detached from the (cancelled) upload's, with a timeout;
// failures that arrive meanwhile wait for it and share its answer.
func (c *diagnosingClient) lookupPrincipal(ctx context.Context) bool {
	if c.info.LookupPrincipal == nil {
		return false
	}
	c.lookup.Do(func() {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), principalLookupTimeout)
		defer cancel()
		p, err := c.info.LookupPrincipal(lctx)
		if err != nil || p == "" {
			return
		}
		c.mu.Lock()
		c.info.Principal = diagnose.RoleARN(p)
		c.mu.Unlock()
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info.Principal != ""
}

func (c *diagnosingClient) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	out, err := c.Client.PutObject(ctx, in, optFns...)
	return out, c.explain(ctx, "PutObject", 0, err)
}

func (c *diagnosingClient) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	out, err := c.Client.CreateMultipartUpload(ctx, in, optFns...)
	if err == nil {
		c.mu.Lock()
		c.state.created, c.state.uploadID = true, aws.ToString(out.UploadId)
		c.mu.Unlock()
	}
	return out, c.explain(ctx, "CreateMultipartUpload", 0, err)
}

func (c *diagnosingClient) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	out, err := c.Client.UploadPart(ctx, in, optFns...)
	return out, c.explain(ctx, "UploadPart", aws.ToInt32(in.PartNumber), err)
}

func (c *diagnosingClient) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	out, err := c.Client.CompleteMultipartUpload(ctx, in, optFns...)
	return out, c.explain(ctx, "CompleteMultipartUpload", 0, err)
}

func (c *diagnosingClient) HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	out, err := c.Client.HeadObject(ctx, in, optFns...)
	return out, c.explain(ctx, "HeadObject", 0, err)
}
