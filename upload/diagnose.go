package upload

import (
	"context"
	"sync"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
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

// diagnostics holds an upload's Diagnostics and the principal looked up
// once for it.
type diagnostics struct {
	info   Diagnostics
	stop   <-chan struct{} // Input.Stop: the lookup ends there too
	lookup sync.Once
	mu     sync.Mutex // guards info.Principal
}

// principalLookupTimeout bounds the STS call made to name the principal:
// a failure must not wait on it for long.
const principalLookupTimeout = 10 * time.Second

// diagContext describes a failed call from the engine's own state: the
// upload it created or adopted (an adopted upload counts as created, so a
// rerun is explained as the first run was).
func (s *session) diagContext(op string, part int32) diagnose.Context {
	s.diag.mu.Lock()
	principal := s.diag.info.Principal
	s.diag.mu.Unlock()
	info := s.diag.info
	sse := s.in.SSE.Mode
	if sse == "" {
		sse = info.BucketSSE
	}
	key := info.KeyARN
	if key == "" {
		key = s.in.SSE.KMSKeyID
	}
	return diagnose.Context{
		Operation: op, Part: part, Parts: int32(s.plan.Parts),
		SSE: sse, Key: key, Principal: principal,
		Bucket: s.in.Bucket, ObjectKey: s.in.Key, Region: info.Region,
		UploadID: s.uploadID, MultipartCreated: s.created,
		Hint:    info.Hint,
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
	if d.Principal == "" && s.lookupPrincipal(ctx) {
		d = diagnose.Classify(err, s.diagContext(op, part))
	}
	return d
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
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), principalLookupTimeout)
		defer cancel()
		if d.stop != nil {
			go func() {
				select {
				case <-d.stop:
					cancel()
				case <-lctx.Done():
				}
			}()
		}
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
