// Package awsconfig builds the SDK configuration and clients the CLI uses:
// the SDK's default chain (profiles, environment, SSO, AWS_ENDPOINT_URL*)
// plus the few flags that override it.
package awsconfig

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Options are the flag overrides of the default chain. Zero values keep the
// SDK's defaults.
type Options struct {
	Profile     string // --profile
	Region      string // --region
	EndpointURL string // --endpoint-url, S3 only (as the aws CLI)
	CABundle    string // --ca-bundle, a PEM file
	// RetryMaxAttempts is the SDK retryer's total attempts; 0 keeps its default.
	RetryMaxAttempts int
	// MaxConnsPerHost is the number of connections kept open for reuse; at
	// least the parts in flight, so no part pays for a new TLS handshake.
	MaxConnsPerHost int
	// ResponseHeaderTimeout bounds the wait for a response's headers once
	// a request is sent, for every call of the clients (the engine and
	// preflight also watch each call for stalls); 0 = no bound.
	ResponseHeaderTimeout time.Duration
	// SDKLog receives the SDK's own log lines (sdklog.go); nil drops them.
	SDKLog io.Writer
}

// Load resolves the configuration. Errors name the setting that is wrong.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.CABundle != "" {
		f, err := os.Open(o.CABundle)
		if err != nil {
			return aws.Config{}, fmt.Errorf("--ca-bundle: %w", err)
		}
		defer f.Close()
		opts = append(opts, config.WithCustomCABundle(f))
	}
	opts = append(opts, config.WithRetryer(newRetryer(o.RetryMaxAttempts)), config.WithHTTPClient(httpClient(o.MaxConnsPerHost, o.ResponseHeaderTimeout)),
		config.WithLogger(sdkLogger{w: o.SDKLog}))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		// S3 needs a region to sign; us-east-1 is what the aws CLI assumes
		// for S3 too, and a wrong one is corrected from HeadBucket later.
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// httpClient is the SDK's client (config still adds --ca-bundle to it),
// speaking HTTP/1.1 only: S3 does, and an S3-compatible server or proxy
// offering HTTP/2 would multiplex every part over one connection, which
// measured 1.5-2x slower (bench/README.md).
func httpClient(conns int, headerTimeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.ForceAttemptHTTP2 = false
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		if headerTimeout > 0 {
			tr.ResponseHeaderTimeout = headerTimeout
		}
		if conns > tr.MaxIdleConnsPerHost {
			tr.MaxIdleConnsPerHost = conns
		}
	})
}

// S3 returns an S3 client. endpointURL (the --endpoint-url flag) wins over
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; path-style addressing is used for
// IP-address and localhost endpoints, where virtual hosts cannot resolve.
func S3(cfg aws.Config, endpointURL string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpointURL != "" {
			o.BaseEndpoint = aws.String(endpointURL)
		}
		ep := endpointURL
		if ep == "" && o.BaseEndpoint != nil {
			ep = *o.BaseEndpoint
		}
		if ep == "" {
			ep = firstEnv("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
		}
		if NeedsPathStyle(ep) {
			o.UsePathStyle = true
		}
	})
}

// KMS returns a KMS client (endpoint from AWS_ENDPOINT_URL_KMS or
// AWS_ENDPOINT_URL, through the SDK).
func KMS(cfg aws.Config) *kms.Client { return kms.NewFromConfig(cfg) }

// STS returns an STS client.
func STS(cfg aws.Config) *sts.Client { return sts.NewFromConfig(cfg) }

// NeedsPathStyle reports whether an endpoint URL names an IP address or
// localhost, where bucket.host virtual addressing cannot work.
func NeedsPathStyle(endpoint string) bool {
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		return true
	}
	host = strings.ToLower(host)
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
