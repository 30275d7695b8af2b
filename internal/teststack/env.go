package teststack

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AWSEnv is the AWS part of Env: credentials, region and the gate as
// endpoint for every service, with config files and instance metadata
// switched off so nothing from the machine leaks in, plus the seeded names
// as UPLOADER_TEST_* for scripts. Response checksum validation is
// when_required because moto's CRC32C checksums are not real (it computes a
// CRC32; the gate corrects CRC64NVME only, see the package doc).
func (s *Stack) AWSEnv(u User) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + u.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + u.SecretAccessKey,
		"AWS_REGION=" + s.Region,
		"AWS_DEFAULT_REGION=" + s.Region,
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
		"UPLOADER_TEST_BUCKET=" + s.Bucket,
		"UPLOADER_TEST_KEY_ARN=" + s.KeyARN,
		"UPLOADER_TEST_KEY_ALIAS=" + s.Alias,
		"UPLOADER_TEST_DISABLED_KEY_ARN=" + s.DisabledKeyARN,
		"UPLOADER_TEST_PENDING_DELETION_KEY_ARN=" + s.PendingDeletionKeyARN,
		"UPLOADER_TEST_USER_ARN=" + u.ARN,
	}
}

// Env is a complete environment for running a child process (the uploader,
// the aws CLI) as u: this process's environment without any AWS_* variable,
// plus AWSEnv(u). Append to it to override: exec.Cmd uses the last value of
// a repeated key.
func (s *Stack) Env(u User) []string {
	return append(withoutAWS(os.Environ()), s.AWSEnv(u)...)
}

// Config is an SDK config for u against the gate. It is built by hand, not
// by config.LoadDefaultConfig, so the developer's profiles and environment
// cannot change it. For S3, SDKs use path-style against the IP endpoint
// without further options.
func (s *Stack) Config(ctx context.Context, u User) (aws.Config, error) {
	return s.sdkConfig(u, s.Endpoint), nil
}

func (s *Stack) sdkConfig(u User, endpoint string) aws.Config {
	return aws.Config{
		Region:                     s.Region,
		Credentials:                aws.NewCredentialsCache(staticCreds(u)),
		BaseEndpoint:               aws.String(endpoint),
		HTTPClient:                 &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 32, ExpectContinueTimeout: time.Second}}, // as the SDK's own transport
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
}
