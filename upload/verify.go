package upload

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// verifyEncryption checks that S3 stored the object with the encryption
// asked for. Some S3-compatible servers accept SSE headers and ignore them;
// a backup that was meant to be encrypted must not pass silently. When the
// upload's response does not state the encryption, HeadObject is asked.
func (s *session) verifyEncryption(ctx context.Context, res *Result) error {
	in := s.in
	want := in.SSE
	if want.Mode == SSENone {
		return nil // the bucket default applies; nothing was asked
	}
	if res.SSE != want.Mode || (want.IsKMS() && res.KMSKeyID == "") {
		h, err := s.u.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)}, s.netOptions("HeadObject", 0)...)
		if err != nil {
			return fmt.Errorf("the upload finished but checking its encryption failed: %w", s.explain(ctx, "HeadObject", 0, err))
		}
		res.SSE = string(h.ServerSideEncryption)
		res.KMSKeyID = aws.ToString(h.SSEKMSKeyId)
		res.BucketKey = aws.ToBool(h.BucketKeyEnabled)
	}
	if !want.StoredAs(res.SSE, res.KMSKeyID) {
		return &EncryptionError{Bucket: in.Bucket, Key: in.Key, Want: want, GotMode: res.SSE, GotKey: res.KMSKeyID}
	}
	return nil
}

// StoredAs reports whether an object S3 says it stored with encryption
// mode and key ARN has the encryption s asks for. Asking for none (the
// bucket default) matches anything; the CLI's --skip-existing asks it too.
func (s SSE) StoredAs(mode, keyARN string) bool {
	if s.Mode == SSENone {
		return true
	}
	return mode == s.Mode && (!s.IsKMS() || sameKey(s.KMSKeyID, keyARN))
}

// sameKey compares the key asked for (id, ARN, alias, or "" for the
// default) with the key ARN S3 reports. An alias or the default cannot be
// compared without KMS, so only a reported key is required then.
func sameKey(want, got string) bool {
	switch {
	case want == "":
		return true // the default key (aws/s3 or the bucket's): nothing to compare
	case got == "":
		return false
	case strings.HasPrefix(want, "alias/") || strings.Contains(want, ":alias/"):
		return true
	case strings.HasPrefix(want, "arn:"):
		return want == got
	default: // a bare key id
		return got == want || strings.HasSuffix(got, ":key/"+want)
	}
}
