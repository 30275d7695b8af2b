package teststack

import (
	"math/rand"
	"sync"
	"time"
)

// Faults makes the gate misbehave on UploadPart, the call a resilient
// uploader must retry (and, with HoldCreate, on CreateMultipartUpload's
// answer). Rates are shares in [0,1] (their sum at most 1); one
// number is drawn per UploadPart from a generator seeded with Seed, so a run
// with the same Seed and the same request order fails the same parts.
// The zero value means no faults.
type Faults struct {
	// SlowDownRate is the share of UploadPart answered 503 SlowDown (S3's
	// XML error) without forwarding to moto.
	SlowDownRate float64
	// ErrorRate is the share answered 500 InternalError without forwarding.
	ErrorRate float64
	// DropRate is the share whose connection the gate closes after reading
	// part of the body, with no response: what a reset looks like.
	DropRate float64
	// KMSThrottleRate is the share answered as S3 answers when KMS
	// throttles its Decrypt for the part: 503 KMS.ThrottlingException.
	KMSThrottleRate float64
	// Delay is added before forwarding each UploadPart.
	Delay time.Duration
	// DenyAbruptly answers the gate's own S3 denials (a KMS failure on an
	// SSE-KMS request) without reading the request body, with
	// "Connection: close" as S3 and Go's own server say then, and resets
	// the connection right after the answer, as servers may: the client
	// may lose the answer's body (a 403 it cannot decode) or see a reset.
	DenyAbruptly bool
	// HoldCreate holds each successful CreateMultipartUpload's answer this
	// long after moto made the upload: a client cancelled meanwhile never
	// learns the id of an upload that exists (and is billed on S3).
	HoldCreate time.Duration
	// Seed seeds the draws; 0 is a valid seed.
	Seed int64
}

type fault int

const (
	faultNone fault = iota
	faultSlowDown
	faultError
	faultDrop
	faultKMSThrottle
)

// faultPlan holds the current Faults and their random source.
type faultPlan struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

func (p *faultPlan) set(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.f = f
	p.rng = rand.New(rand.NewSource(f.Seed))
}

// draw decides the fate of one UploadPart.
func (p *faultPlan) draw() (fault, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng == nil {
		return faultNone, 0
	}
	f := p.f
	x := p.rng.Float64()
	switch {
	case x < f.SlowDownRate:
		return faultSlowDown, f.Delay
	case x < f.SlowDownRate+f.ErrorRate:
		return faultError, f.Delay
	case x < f.SlowDownRate+f.ErrorRate+f.DropRate:
		return faultDrop, f.Delay
	case x < f.SlowDownRate+f.ErrorRate+f.DropRate+f.KMSThrottleRate:
		return faultKMSThrottle, f.Delay
	}
	return faultNone, f.Delay
}

// createHold is how long a CreateMultipartUpload's answer is held.
func (p *faultPlan) createHold() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.f.HoldCreate
}

// abrupt reports whether denials are answered without reading the body.
func (p *faultPlan) abrupt() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.f.DenyAbruptly
}
