package preflight

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// CheckListing is the check of a set that skips the files already
// uploaded: the listing of its target prefix that the skip rule reads.
const CheckListing = "listing"

// ListAPI is the call CheckList makes.
type ListAPI interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

var _ ListAPI = (*s3.Client)(nil)

// CheckList proves that the listing a set's skip decision reads is allowed
// (s3:ListBucket on the bucket): one ListObjectsV2 of prefix, one key. It
// appends its check to rep (sent to rep.BucketRegion when S3 said it) and
// lowers the verdict: a denial is a FAIL (list_denied, with the statement
// to add); an answer that proves nothing (unreachable, throttled) is a
// WARN, since the set then fails on its own listing, before any file.
// The error is only ctx's. After an INCONCLUSIVE report (the endpoint gave
// no answer) it sends nothing: its check is a SKIP, and the verdict stays.
func CheckList(ctx context.Context, c ListAPI, rep *Report, bucket, prefix string) error {
	if rep.Inconclusive() {
		rep.Checks = append(rep.Checks, Check{Name: CheckListing, Status: Skip,
			Detail: "not checked: the preflight got no answer from the endpoint (" + rep.Reason + ")"})
		return nil
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)}
	// As the set lists: the prefix without its last '/', and StartAfter
	// past the keys that sort before it (see tree's listing).
	if p, ok := strings.CutSuffix(prefix, "/"); ok {
		in.Prefix, in.StartAfter = aws.String(p), aws.String(p+".")
	} else if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	var opts []func(*s3.Options)
	if reg := rep.BucketRegion; reg != "" {
		opts = append(opts, func(o *s3.Options) { o.Region = reg })
	}
	_, err := c.ListObjectsV2(ctx, in, opts...)
	rep.Requests++
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	where := "s3://" + bucket + "/" + prefix
	chk := Check{Name: CheckListing, Status: Pass, Operation: "ListObjectsV2",
		Detail: fmt.Sprintf("ListObjectsV2 of %s allowed: skipping reads one listing (1,000 keys a request)", where)}
	if err != nil {
		d := diagnose.Classify(err, diagnose.Context{Operation: "ListObjectsV2", Bucket: bucket, ObjectKey: prefix, Principal: rep.Principal})
		switch {
		case d != nil && d.Code == diagnose.ListDenied:
			chk.Status, chk.Code, chk.Remedy = Fail, d.Code, d.Remedy
			chk.Detail = fmt.Sprintf("ListObjectsV2 of %s denied: skipping the files already uploaded needs s3:ListBucket on arn:aws:s3:::%s", where, bucket)
		case d != nil && !d.Transient():
			chk.Status, chk.Code, chk.Remedy = Fail, d.Code, d.Remedy
			chk.Detail = fmt.Sprintf("ListObjectsV2 of %s: %s", where, d.Problem())
		default:
			chk.Status = Warn
			chk.Detail = fmt.Sprintf("ListObjectsV2 of %s proved nothing: %s", where, diagnose.Describe(err))
		}
	}
	rep.Checks = append(rep.Checks, chk)
	switch {
	case chk.Status == Fail:
		rep.Verdict = Fail
	case chk.Status == Warn && rep.Verdict == Pass:
		rep.Verdict = Warn
	}
	return nil
}
