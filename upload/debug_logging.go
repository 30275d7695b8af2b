package upload

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/debuglog"
)

// DebugLogging is an option for s3.NewFromConfig (or s3.New, or one call)
// that logs every HTTP request and response of the client to logger at
// slog.LevelDebug, as the CLI's --debug does:
//
//	client := s3.NewFromConfig(cfg, upload.DebugLogging(logger))
//
// Records are "http request" (seq, method, url, proto, headers), "http
// response" (seq, proto, status, duration, headers) and "http error" (seq,
// method, duration, error); a request and its response share seq. Bodies
// are never read or logged (KMS data keys travel in them, and the upload's
// data); signatures, credentials, session tokens, SSE-C keys and cookies
// are redacted. Nothing is formatted unless logger logs debug. A nil
// logger leaves the client as it is.
func DebugLogging(logger *slog.Logger) func(*s3.Options) {
	return func(o *s3.Options) {
		if logger != nil {
			o.HTTPClient = DebugHTTPClient(o.HTTPClient, logger)
		}
	}
}

// DebugHTTPClient is DebugLogging for any SDK client: set it as an
// aws.Config's HTTPClient and S3, KMS and STS clients made from that
// config all log. next nil is the SDK's default client.
func DebugHTTPClient(next aws.HTTPClient, logger *slog.Logger) aws.HTTPClient {
	if logger == nil {
		return next
	}
	if next == nil { // the SDK leaves it nil unless configured
		next = awshttp.NewBuildableClient()
	}
	return debuglog.Wrap(next, logger)
}
