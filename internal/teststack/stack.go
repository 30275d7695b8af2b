package teststack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Options configure Start.
type Options struct {
	// Dir holds moto.log and gate.log. "" means a new temporary directory,
	// removed by Stop (kept if Start fails, for its logs); a given Dir is
	// never removed.
	Dir string
	// Gate configures the S3-KMS gate.
	Gate GateOptions
}

// GateOptions configure the S3-KMS gate.
type GateOptions struct {
	// EnhancedDenials answers KMS denials with AWS's same-account text
	// ("User: <arn> is not authorized to perform: kms:Decrypt on resource:
	// <key arn> because no identity-based policy allows the kms:Decrypt
	// action") instead of the bare "Access Denied" cross-account callers get.
	EnhancedDenials bool
}

// User is an IAM user of the stack with its access key.
type User struct {
	Name            string // IAM user name; also the user in Counts
	AccessKeyID     string
	SecretAccessKey string
	ARN             string // arn:aws:iam::123456789012:user/NAME
}

// Stack is a running moto plus the gate in front of it, seeded with a
// bucket, keys and users. Fields are set by Start and must not be changed.
// Its methods are safe for concurrent use.
type Stack struct {
	// Endpoint is the gate, http://127.0.0.1:PORT. Point every service (S3,
	// KMS, STS) here; S3 path-style (SDKs choose it for an IP endpoint).
	Endpoint string
	// MotoEndpoint is moto itself, bypassing the gate: no SSE-KMS checks,
	// counters or faults. For the rare test that wants exactly that.
	MotoEndpoint string
	Region       string // us-east-1
	AccountID    string // moto's 123456789012
	// Bucket is seeded empty, without default encryption.
	Bucket string
	// KeyARN and KeyID name the main symmetric key; Alias points to it.
	KeyARN, KeyID, Alias string
	// DisabledKeyARN is a key in state Disabled.
	DisabledKeyARN string
	// PendingDeletionKeyARN is a key in state PendingDeletion.
	PendingDeletionKeyARN string

	// Full may do everything with S3, KMS and STS.
	Full User
	// NoDecrypt has s3:* and every KMS action the uploader uses except
	// kms:Decrypt: PutObject works, multipart UploadPart is denied.
	NoDecrypt User
	// NoGenerateDataKey has s3:*, kms:Decrypt and kms:DescribeKey: SSE-KMS
	// PutObject and CreateMultipartUpload are denied.
	NoGenerateDataKey User
	// NoPutObject has kms:* and S3 read, list and abort, not s3:PutObject
	// (which on AWS also covers the multipart calls).
	NoPutObject User
	// ViaService is like Full; with SetDenyDirectKMS(ViaService.Name) its
	// direct KMS crypto calls are refused while S3 uploads still work.
	ViaService User
	// Admin may do anything (* on *); the admin helpers act as Admin.
	Admin User

	// Dir holds moto.log and gate.log.
	Dir string

	gate       *gate
	moto       *motoProc
	httpClient *http.Client
	ownDir     bool
	stopOnce   sync.Once
	stopErr    error
}

// Start runs moto_server on a free loopback port, seeds it, switches IAM
// enforcement on and starts the gate. It fails with ErrMotoNotFound when
// moto_server is not on PATH, and within about 30 s (with the tail of
// moto's log) when moto does not come up. On failure nothing is left
// running. Call Stop when done, also after a failed test.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	s = &Stack{
		Region:     "us-east-1",
		AccountID:  "123456789012",
		Dir:        o.Dir,
		httpClient: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32}, Timeout: 60 * time.Second},
	}
	if s.Dir == "" {
		if s.Dir, err = os.MkdirTemp("", "teststack-"); err != nil {
			return nil, err
		}
		s.ownDir = true
	} else if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if !errors.Is(err, ErrMotoNotFound) {
				s.ownDir = false // keep the logs the error points at
			}
			_ = s.Stop()
			s = nil
		}
	}()

	if s.moto, err = startMoto(ctx, s.Dir); err != nil {
		return s, err
	}
	s.MotoEndpoint = s.moto.url

	gateLog, err := os.OpenFile(filepath.Join(s.Dir, "gate.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return s, err
	}
	kc := newKMSCaller(s.MotoEndpoint, s.Region, s.httpClient)
	if s.gate, err = newGate(s.MotoEndpoint, kc, o.Gate.EnhancedDenials, gateLog); err != nil {
		gateLog.Close()
		return s, err
	}
	s.gate.logFile = gateLog
	if err = s.seed(ctx); err != nil {
		return s, fmt.Errorf("seed moto: %w\n--- tail of %s ---\n%s", err, s.moto.logPath, logTail(s.moto.logPath, 2048))
	}
	kc.setAdmin(s.Admin, s.KeyARN)
	if s.Endpoint, err = s.gate.listen(); err != nil {
		return s, err
	}
	return s, nil
}

// Stop closes the gate and stops moto (its process group, by the pid Start
// created), waiting until the process is gone. It is idempotent; a nil
// Stack is fine.
func (s *Stack) Stop() error {
	if s == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		var errs []error
		if s.gate != nil {
			errs = append(errs, s.gate.close())
			if s.gate.logFile != nil {
				errs = append(errs, s.gate.logFile.Close())
			}
		}
		if s.moto != nil {
			s.moto.stop()
		}
		if t, ok := s.httpClient.Transport.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
		if s.ownDir {
			errs = append(errs, os.RemoveAll(s.Dir))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// MotoPID is moto_server's process id (also its process group id), for
// tests that check Stop leaves nothing running.
func (s *Stack) MotoPID() int {
	if s.moto == nil {
		return 0
	}
	return s.moto.cmd.Process.Pid
}

// SetFaults replaces the gate's UploadPart faults; Faults{} turns them off.
func (s *Stack) SetFaults(f Faults) { s.gate.faults.set(f) }

// SetDenyDirectKMS makes the gate refuse direct KMS crypto calls
// (GenerateDataKey*, Decrypt, Encrypt, ReEncrypt) from the named users, with
// KMS's HTTP 400 AccessDeniedException, while the gate's own KMS calls for
// their S3 requests still succeed: a key policy allowing the key only
// through S3 (kms:ViaService). It replaces the previous set; no names
// clears it.
func (s *Stack) SetDenyDirectKMS(userNames ...string) { s.gate.setDenyDirect(userNames) }

// SetEnhancedDenials switches between the bare "Access Denied" and AWS's
// same-account text at run time (see GateOptions).
func (s *Stack) SetEnhancedDenials(on bool) { s.gate.enhanced.Store(on) }

// Counts returns a snapshot of the gate's counters since Start or the last
// ResetCounts.
func (s *Stack) Counts() Counts { return s.gate.counts.snapshot() }

// ResetCounts zeroes the gate's counters.
func (s *Stack) ResetCounts() { s.gate.counts.reset() }

// motoConfig is an SDK config that talks to moto directly as u.
func (s *Stack) motoConfig(u User) aws.Config {
	return s.sdkConfig(u, s.MotoEndpoint)
}
