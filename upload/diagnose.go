package upload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/kmsprobe"
)

// Diagnostics is what the engine knows of the caller and the bucket, to
// explain a failure (preflight learns most of it). All fields are optional.
type Diagnostics struct {
	Principal string // caller ARN; role ARN for assumed roles
	KeyARN    string // the key S3 will use, resolved; "" = the request's key id
	BucketSSE string // the bucket's default encryption, when the request sets none
	Region    string
	Hint      Code // what preflight's KMS round trip proved missing (preflight.Report.Hint)
	// LookupPrincipal is called once, on the first diagnosed failure, when
	// Principal is "" (LookupPrincipal in this package asks STS). Errors
	// leave it unknown.
	LookupPrincipal func(context.Context) (string, error)
}

// diagnostics holds an upload's Diagnostics, the principal looked up once
// for it, and the proof of a bare denial, made once.
type diagnostics struct {
	info   Diagnostics
	kms    KMSAPI          // Options.KMS: nil, no proof is made
	stop   <-chan struct{} // Input.Stop: the lookup and the proof end there too
	lookup sync.Once
	mu     sync.Mutex // guards info.Principal, proof and proofErr

	// What CreateMultipartUpload answered: the key S3 uses (an ARN) and
	// whether Bucket Keys are on, which decides the encryption context.
	createdKey string
	bucketKey  bool
	// onePut: the object went as one PutObject (single), whatever the
	// plan said: no part count to report.
	onePut bool

	prove    sync.Once
	proof    diagnose.Proof
	proofErr error
}

// KMSAPI is the two KMS calls the engine makes to prove the cause of a
// bare AccessDenied on a part (Options.KMS): the round trip S3 makes for
// every part, directly as the caller. *kms.Client satisfies it.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ kmsprobe.API = KMSAPI(nil)

// principalLookupTimeout bounds the STS call made to name the principal,
// and proofTimeout the KMS round trip made to prove a denial's cause: a
// failure must not wait on them for long.
const (
	principalLookupTimeout = 10 * time.Second
	proofTimeout           = 15 * time.Second
)

// diagContext describes a failed call from the engine's own state: the
// upload it created or adopted (an adopted upload counts as created, so a
// rerun is explained as the first run was).
func (s *session) diagContext(op string, part int32) diagnose.Context {
	s.diag.mu.Lock()
	principal := s.diag.info.Principal
	proof, proofErr := s.diag.proof, s.diag.proofErr
	s.diag.mu.Unlock()
	info := s.diag.info
	sse := s.in.SSE.Mode
	if sse == "" {
		sse = info.BucketSSE
	}
	key := s.keyInUse()
	parts := int32(s.plan.Parts)
	if s.diag.onePut {
		parts = 0
	}
	return diagnose.Context{
		Operation: op, Part: part, Parts: parts,
		SSE: sse, Key: key, Principal: principal,
		Bucket: s.in.Bucket, ObjectKey: s.in.Key, Region: info.Region,
		UploadID: s.uploadID, MultipartCreated: s.created,
		Hint: info.Hint, Proof: proof, ProofErr: proofErr,
		Tagging: s.in.Tagging != "", ACL: s.in.ACL != "",
	}
}

// explain classifies the error of call op; what it can explain becomes a
// *Diagnosis naming the principal (looked up once, if needed).
func (s *session) explain(ctx context.Context, op string, part int32, err error) error {
	d := diagnose.Classify(err, s.diagContext(op, part))
	if d == nil {
		return err
	}
	// A cause that passes by itself (no answer, throttled) names no
	// principal: asking STS who we are would only wait on the same
	// network, up to principalLookupTimeout, after the retry window closed.
	again := d.Principal == "" && !d.Transient() && s.lookupPrincipal(ctx)
	if diagnose.NeedsProof(d) && s.proveDenial(ctx) {
		again = true
	}
	if again {
		d = diagnose.Classify(err, s.diagContext(op, part))
	}
	return d
}

// keyInUse is the KMS key the upload's objects are encrypted with, best
// known first: S3's answer to CreateMultipartUpload, preflight's resolved
// ARN, the request's key id.
func (s *session) keyInUse() string {
	switch {
	case s.diag.createdKey != "":
		return s.diag.createdKey
	case s.diag.info.KeyARN != "":
		return s.diag.info.KeyARN
	}
	return s.in.SSE.KMSKeyID
}

// proveDenial makes, once, the KMS round trip S3 makes for every part,
// directly as the caller with S3's encryption context, so that a bare
// AccessDenied on a part is blamed on kms:Decrypt only when Decrypt is
// what was denied. It reports whether a proof (or its failure) is now
// known; without a KMS client there is none. Like the principal lookup it
// runs detached from the (maybe cancelled) upload, bounded by a timeout
// and by Input.Stop.
func (s *session) proveDenial(ctx context.Context) bool {
	d := &s.diag
	if d.kms == nil {
		return false
	}
	d.prove.Do(func() {
		pctx, cancel := d.detached(ctx, proofTimeout)
		defer cancel()
		proof, err := diagnose.ProofFailed, error(nil)
		if key := s.keyInUse(); key == "" {
			err = errors.New("the key S3 uses is not known")
		} else {
			d.mu.Lock()
			partition := diagnose.PartitionOf(d.info.Principal)
			d.mu.Unlock()
			ec := kmsprobe.S3Context(partition, s.in.Bucket, s.in.Key, s.usesBucketKey(), s.in.SSE.Context)
			res := kmsprobe.RoundTrip(pctx, d.kms, key, ec, s.kmsRegion()...)
			switch res.Outcome {
			case kmsprobe.OK:
				proof = diagnose.ProofKMSAllowed
			case kmsprobe.DecryptDenied:
				proof = diagnose.ProofDecryptDenied
			case kmsprobe.GenerateDenied:
				proof = diagnose.ProofDirectDenied
			case kmsprobe.Mismatch:
				err = errors.New("kms:Decrypt returned another data key than kms:GenerateDataKey made")
			default:
				err = fmt.Errorf("%s: %w", res.Op, res.Err)
			}
		}
		d.mu.Lock()
		d.proof, d.proofErr = proof, err
		d.mu.Unlock()
	})
	return true
}

// usesBucketKey says whether S3 Bucket Keys are on for the object, which
// makes the encryption context the bucket's ARN: as S3 answered the
// create, else as requested.
func (s *session) usesBucketKey() bool {
	if s.diag.bucketKey {
		return true
	}
	return s.in.SSE.BucketKey != nil && *s.in.SSE.BucketKey
}

// kmsRegion points the KMS calls at the bucket's region when preflight
// learned it: the key must be there.
func (s *session) kmsRegion() []func(*kms.Options) {
	r := s.diag.info.Region
	if r == "" {
		return nil
	}
	return []func(*kms.Options){func(o *kms.Options) { o.Region = r }}
}

// lookupPrincipal asks once who we are, for the remedy's statements, and
// reports whether the principal is now known. It runs on a context
// detached from the (maybe cancelled) upload's, bounded by a timeout and
// by Input.Stop: a Ctrl-C does not wait for it.
func (s *session) lookupPrincipal(ctx context.Context) bool {
	d := &s.diag
	if d.info.LookupPrincipal == nil {
		return false
	}
	d.lookup.Do(func() {
		lctx, cancel := d.detached(ctx, principalLookupTimeout)
		defer cancel()
		p, err := d.info.LookupPrincipal(lctx)
		if err != nil || p == "" {
			return
		}
		d.mu.Lock()
		d.info.Principal = diagnose.RoleARN(p)
		d.mu.Unlock()
	})
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.info.Principal != ""
}

// detached is a context for a call made to explain a failure: apart from
// the upload's (maybe cancelled) context, bounded by timeout, and ended by
// Input.Stop, so that a Ctrl-C does not wait for it.
func (d *diagnostics) detached(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	if d.stop != nil {
		go func() {
			select {
			case <-d.stop:
				cancel()
			case <-dctx.Done():
			}
		}()
	}
	return dctx, cancel
}
