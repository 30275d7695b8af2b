package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/upload"
)

// sseFlags are the encryption flags `cp` and `preflight` share, named as
// `aws s3 cp` names them.
type sseFlags struct {
	mode      string
	keyID     string
	context   string
	bucketKey bool
}

func (s *sseFlags) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.mode, "sse", "", "server-side encryption: aws:kms, aws:kms:dsse or AES256 (default: the bucket's default encryption)")
	f.StringVar(&s.keyID, "sse-kms-key-id", "", "KMS key for aws:kms: key id, key ARN or alias/NAME (default: the bucket's key, else aws/s3)")
	f.StringVar(&s.context, "sse-kms-context", "", "extra KMS encryption context, a JSON object of strings")
	f.BoolVar(&s.bucketKey, "bucket-key-enabled", false, "use an S3 Bucket Key (fewer KMS calls; encryption context becomes the bucket ARN)")
	completeValues(cmd, "sse", upload.SSEKMS, upload.SSEKMSDSSE, upload.SSES3)
}

// sse validates the flags into the engine's settings; errors are usage
// errors (exit 2).
func (s *sseFlags) sse(cmd *cobra.Command) (upload.SSE, error) {
	ctx, err := upload.ParseContext(s.context)
	if err != nil {
		return upload.SSE{}, usagef(fmt.Errorf("--sse-kms-context: %w", err))
	}
	out := upload.SSE{Mode: s.mode, KMSKeyID: s.keyID, Context: ctx}
	if cmd.Flags().Changed("bucket-key-enabled") {
		v := s.bucketKey
		out.BucketKey = &v
	}
	if err := out.Validate(); err != nil {
		return upload.SSE{}, usagef(sseFlagError(err))
	}
	return out, nil
}
