package teststack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// VersityOptions configure StartVersity.
type VersityOptions struct {
	// Dir holds the gateway's files (data/, versitygw.log, the TLS cert).
	// "" means a new temporary directory, removed by Stop (kept if
	// StartVersity fails, for its log); a given Dir is never removed.
	Dir string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1 (as
	// real S3: the SDK then sends UNSIGNED-PAYLOAD and trailing checksums,
	// and benchmarks see TLS costs).
	TLS bool
	// Binary is the versitygw to run. "" means the one
	// scripts/install-versitygw.sh installs into <repo>/.cache/bin
	// (building it on first use, about a minute).
	Binary string
}

// Versity is a running versitygw: a real S3 gateway over a posix folder.
// Unlike moto it computes checksums (CRC64NVME, CRC32C, full-object and
// composite) and refuses parts whose checksum does not match, so
// integrity and resume tests run against it. It has no KMS, STS or IAM
// policies. Fields are set by StartVersity and must not be changed.
type Versity struct {
	// Endpoint is http(s)://127.0.0.1:PORT; S3 path-style.
	Endpoint             string
	AccessKey, SecretKey string // the gateway's root user
	Region               string // us-east-1
	// Bucket is created empty by StartVersity.
	Bucket string
	// Dir holds data/ (the buckets), versitygw.log and, with TLS,
	// cert.pem and key.pem.
	Dir string
	TLS bool
	// CAFile is the PEM certificate to trust with TLS (AWS_CA_BUNDLE); ""
	// without.
	CAFile string

	proc     *versityProc
	ownDir   bool
	roots    *x509.CertPool
	stopOnce sync.Once
	stopErr  error
}

// StartVersity installs versitygw if needed (ErrVersityNotInstalled when
// that fails), runs it on a free loopback port and creates Bucket. On
// failure nothing is left running and the error carries the log's tail.
// Call Stop when done.
func StartVersity(ctx context.Context, o VersityOptions) (v *Versity, err error) {
	v = &Versity{
		AccessKey: "versityroot",
		SecretKey: "versityroot-secret-key",
		Region:    "us-east-1",
		Bucket:    "uploader-test",
		Dir:       o.Dir,
		TLS:       o.TLS,
	}
	if v.Dir == "" {
		if v.Dir, err = os.MkdirTemp("", "versity-"); err != nil {
			return nil, err
		}
		v.ownDir = true
	} else if err := os.MkdirAll(v.Dir, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if !errors.Is(err, ErrVersityNotInstalled) {
				v.ownDir = false // keep the log the error points at
			}
			_ = v.Stop()
			v = nil
		}
	}()

	bin := o.Binary
	if bin == "" {
		if bin, err = installVersity(ctx); err != nil {
			return v, err
		}
	}
	data := filepath.Join(v.Dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return v, err
	}
	var tlsArgs []string
	if v.TLS {
		cert, key := filepath.Join(v.Dir, "cert.pem"), filepath.Join(v.Dir, "key.pem")
		if v.roots, err = writeSelfSigned(cert, key); err != nil {
			return v, fmt.Errorf("TLS certificate: %w", err)
		}
		v.CAFile = cert
		tlsArgs = []string{"--cert", cert, "--key", key}
	}
	if v.proc, err = startVersityProc(ctx, bin, v, tlsArgs, data); err != nil {
		return v, err
	}
	v.Endpoint = v.proc.url
	if err := v.createBucket(ctx); err != nil {
		return v, fmt.Errorf("create bucket %s: %w\n--- tail of %s ---\n%s", v.Bucket, err, v.proc.logPath, logTail(v.proc.logPath, 2048))
	}
	return v, nil
}

func (v *Versity) createBucket(ctx context.Context) error {
	c := s3.NewFromConfig(v.Config())
	defer v.closeIdle(c)
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(v.Bucket)})
	return err
}

func (v *Versity) closeIdle(c *s3.Client) {
	if hc, ok := c.Options().HTTPClient.(*http.Client); ok {
		hc.CloseIdleConnections()
	}
}

// Stop stops versitygw (its process group, by the pid StartVersity
// created) and waits until it is gone; it removes Dir if StartVersity
// made it. Idempotent; a nil Versity is fine.
func (v *Versity) Stop() error {
	if v == nil {
		return nil
	}
	v.stopOnce.Do(func() {
		if v.proc != nil {
			v.proc.stop()
		}
		if v.ownDir {
			v.stopErr = os.RemoveAll(v.Dir)
		}
	})
	return v.stopErr
}

// PID is versitygw's process id (also its process group id), for tests
// that check Stop leaves nothing running.
func (v *Versity) PID() int {
	if v.proc == nil {
		return 0
	}
	return v.proc.cmd.Process.Pid
}

// AWSEnv is the AWS part of Env: root credentials, region and endpoint,
// with config files and instance metadata off so nothing from the machine
// leaks in, AWS_CA_BUNDLE with TLS, and UPLOADER_TEST_BUCKET for scripts.
// Response checksums stay validated: versitygw's are real.
func (v *Versity) AWSEnv() []string {
	env := []string{
		"AWS_ACCESS_KEY_ID=" + v.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + v.SecretKey,
		"AWS_REGION=" + v.Region,
		"AWS_DEFAULT_REGION=" + v.Region,
		"AWS_ENDPOINT_URL=" + v.Endpoint,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"UPLOADER_TEST_BUCKET=" + v.Bucket,
	}
	if v.CAFile != "" {
		env = append(env, "AWS_CA_BUNDLE="+v.CAFile)
	}
	return env
}

// Env is a complete environment for a child process (the uploader, the
// aws CLI) against versitygw: this process's environment without any
// AWS_* variable, plus AWSEnv. As with Stack.Env, append to override.
func (v *Versity) Env() []string {
	return append(withoutAWS(os.Environ()), v.AWSEnv()...)
}

// Config is an SDK config for the root user, built by hand so the
// developer's profiles and environment cannot change it; with TLS its
// HTTP client trusts only the gateway's certificate. Each call has its
// own HTTP client.
func (v *Versity) Config() aws.Config {
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32, ForceAttemptHTTP2: false}
	if v.roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: v.roots, MinVersion: tls.VersionTLS12}
	}
	return aws.Config{
		Region:       v.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(v.AccessKey, v.SecretKey, ""),
		BaseEndpoint: aws.String(v.Endpoint),
		HTTPClient:   &http.Client{Transport: tr},
	}
}

// versityEnv is the gateway's environment: without AWS_* (like moto) and
// without versitygw's own VGW_* / ROOT_* settings, which would otherwise
// add to or change the flags StartVersity passes.
func versityEnv() []string {
	var out []string
	for _, kv := range withoutAWS(os.Environ()) {
		if !strings.HasPrefix(kv, "VGW_") && !strings.HasPrefix(kv, "ROOT_") {
			out = append(out, kv)
		}
	}
	return out
}

// versityReadyTimeout bounds how long StartVersity waits for the health
// endpoint.
const versityReadyTimeout = 30 * time.Second
