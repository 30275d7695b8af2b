package preflight

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// run is the state one Run builds up; each check reads what the earlier ones
// learned and never re-asks AWS for it (the request budget is 12).
type run struct {
	c Clients
	o Options

	rep      Report
	requests int

	// identity
	principal  string // role ARN for assumed roles
	sessionARN string // as STS said it
	account    string
	partition  string
	noCreds    bool   // no request can succeed: skip the rest
	noCredsWhy string // the SKIP detail that says so

	// netFailed: a call got no answer; later calls wait less for one,
	// and less still at an endpoint in deadEndpoints (scheme://host).
	netFailed     atomic.Bool
	mu            sync.Mutex
	deadEndpoints map[string]bool

	// down holds, by service ("S3", "KMS", "STS"), the diagnosis of a call
	// that got no answer (unreachable, untrusted certificate): later calls
	// to that service are not sent.
	down map[string]*diagnose.Diagnosis

	// bucket
	bucketMissing bool
	bucketOK      bool   // HeadBucket answered 200
	region        string // the bucket's region when known, else the client's
	regionKnown   bool   // S3 said where the bucket is
	override      string // region to send the remaining calls to ("" = the client's)

	// bucket default encryption
	encKnown   bool
	defaultSSE types.ServerSideEncryption // "" = none configured
	defaultKey string
	defaultBK  *bool

	// effective encryption
	kms        bool   // S3 will call KMS
	sseUnknown bool   // the bucket default decides and could not be read
	keyID      string // the key S3 will use, as given (id, alias or ARN)
	keyARN     string // resolved ARN, or keyID when it could not be resolved
	keyBad     bool   // the key check failed: its state, region, ... rule out the upload
	awsManaged bool
	bucketKey  bool
	bkKnown    bool

	rt rtResult
	cn canaryResult
}

// Run checks that the upload o describes will be allowed. Every AWS failure
// becomes a check verdict; the error is only for ctx's cancellation (the
// report so far is returned with it) or a programmer error (missing
// clients).
func Run(ctx context.Context, c Clients, o Options) (Report, error) {
	if c.S3 == nil || c.KMS == nil || c.STS == nil {
		return Report{}, errors.New("preflight: Clients needs S3, KMS and STS")
	}
	if o.Bucket == "" || o.Key == "" {
		return Report{}, errors.New("preflight: Options needs Bucket and Key")
	}
	r := &run{c: c, o: o, region: o.Region, partition: "aws", down: map[string]*diagnose.Diagnosis{}}
	steps := []func(context.Context){
		r.identity,
		r.source,
		r.bucket,
		r.encryption,
		r.lifecycle,
		r.key,
		r.kmsRequests,
		r.roundTrip,
		r.canary,
		r.reconcile,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return r.finish(), err
		}
		step(ctx)
	}
	if err := ctx.Err(); err != nil {
		return r.finish(), err
	}
	return r.finish(), nil
}

func (r *run) finish() Report {
	rep := r.rep
	rep.Principal = r.principal
	if r.regionKnown {
		rep.BucketRegion = r.region // never the client's region passed off as the bucket's
	}
	if r.kms {
		rep.KeyARN = r.keyARN
	}
	rep.BucketKey = r.kms && r.bucketKey
	rep.Requests = r.requests
	rep.Verdict = worst(rep.Checks)
	if rep.Verdict != Fail && !r.proved() {
		rep.Verdict = Inconclusive
		rep.Reason, rep.ReasonCode = r.inconclusive()
	}
	return rep
}

// worst is the worst status; SKIP is not a verdict on the upload (a check
// that could not run says so in its row) and does not count.
func worst(cs []Check) Status {
	v := Pass
	for _, c := range cs {
		switch c.Status {
		case Fail:
			return Fail
		case Warn:
			v = Warn
		}
	}
	return v
}

// add appends a check and returns its index, so reconcile can revise it.
func (r *run) add(c Check) int {
	r.rep.Checks = append(r.rep.Checks, c)
	return len(r.rep.Checks) - 1
}

// spend counts one request; false when the budget is used up (then the
// caller skips its call). The canary's abort is never skipped: it is
// counted but always sent.
func (r *run) spend() bool {
	if r.requests >= MaxRequests {
		return false
	}
	r.requests++
	return true
}

const budgetSkip = "not checked: the preflight's request budget (12) is used up"

// s3Opts sends a call to the bucket's region once it is known to differ
// from the client's.
func (r *run) s3Opts() []func(*s3.Options) {
	if r.override == "" {
		return []func(*s3.Options){r.s3Net}
	}
	reg := r.override
	return []func(*s3.Options){r.s3Net, func(o *s3.Options) { o.Region = reg }}
}

// kmsOpts does the same for KMS: S3 uses a key in the bucket's region, so
// that is where the round trip must go.
func (r *run) kmsOpts() []func(*kms.Options) {
	if r.override == "" {
		return []func(*kms.Options){r.kmsNet}
	}
	reg := r.override
	return []func(*kms.Options){r.kmsNet, func(o *kms.Options) { o.Region = reg }}
}
