package preflight

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// bucket checks the bucket is reachable (HeadBucket) and finds its region;
// a client in the wrong region is corrected for every call after this one.
// It adds two rows: bucket and region.
func (r *run) bucket(ctx context.Context) {
	if r.noCreds {
		r.add(Check{Name: CheckBucket, Status: Skip, Detail: r.noCredsWhy})
		r.add(Check{Name: CheckRegion, Status: Skip, Detail: r.noCredsWhy})
		return
	}
	r.spend()
	out, err := r.c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(r.o.Bucket)}, r.s3Opts()...)
	if ctx.Err() != nil {
		return
	}
	var found string // the bucket's region as S3 told it
	if err == nil {
		found = aws.ToString(out.BucketRegion)
	} else {
		found = headerRegion(err)
	}
	corrected := false
	r.regionKnown = found != ""
	if found != "" && r.o.Region != "" && found != r.o.Region {
		r.override, r.region, corrected = found, found, true
		if err != nil && !diagnose.IsAccessDenied(err) && r.spend() {
			// A redirect or region error says nothing about the bucket
			// itself: ask again where it lives.
			_, err = r.c.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(r.o.Bucket)}, r.s3Opts()...)
			if ctx.Err() != nil {
				return
			}
		}
	} else if found != "" {
		r.region = found
		if r.o.Region == "" {
			r.override = found // the client's region is unknown: be explicit
		}
	}

	nd, noAnswer := r.noAnswer("HeadBucket", err)
	switch {
	case err == nil:
		r.bucketOK = true
		r.add(Check{Name: CheckBucket, Status: Pass, Detail: fmt.Sprintf("s3://%s reachable (HeadBucket)", r.o.Bucket)})
	case noAnswer:
		r.add(noAnswerCheck(CheckBucket, nd))
	case isCode(err, "NoSuchBucket", "NotFound") || diagnose.HTTPStatus(err) == http.StatusNotFound:
		r.bucketMissing = true
		d := diagnose.Classify(err, diagnose.Context{Operation: "HeadBucket", Bucket: r.o.Bucket, Region: r.region})
		c := Check{Name: CheckBucket, Status: Fail, Code: diagnose.BucketNotFound,
			Detail: fmt.Sprintf("s3://%s does not exist (%s)", r.o.Bucket, evidence("HeadBucket", err))}
		if d != nil {
			c.Remedy = d.Remedy
			c.Rerun = d.Rerun
		}
		r.add(c)
	case diagnose.IsAccessDenied(err):
		// Upload-only principals often lack s3:ListBucket, which HeadBucket
		// needs; the canary still proves what the upload needs.
		r.add(Check{Name: CheckBucket, Status: Skip, Detail: fmt.Sprintf("HeadBucket denied (it needs s3:ListBucket), so the bucket's existence was not checked; the canary tests the upload itself (%s)", evidence("HeadBucket", err))})
	default:
		r.add(Check{Name: CheckBucket, Status: Skip, Detail: "could not check: " + evidence("HeadBucket", err)})
	}

	switch {
	case corrected:
		r.add(Check{Name: CheckRegion, Status: Warn, Code: diagnose.WrongRegion,
			Detail: fmt.Sprintf("bucket is in %s, the client's region is %s: corrected for every request (set the region to %s to skip the redirect)", found, orDash(r.o.Region), found)})
	case found != "":
		r.add(Check{Name: CheckRegion, Status: Pass, Detail: "bucket is in " + found + ", the client's region"})
	default:
		r.add(Check{Name: CheckRegion, Status: Skip, Detail: "S3 did not say the bucket's region; requests use the client's (" + orDash(r.o.Region) + ")"})
	}
}

// encryption reads the bucket's default encryption and bucket-key setting:
// they decide the key and the encryption context when the upload does not
// say.
func (r *run) encryption(ctx context.Context) {
	c := Check{Name: CheckEncryption}
	if why, skip := r.skipBucketCall(); skip {
		c.Status, c.Detail = Skip, why
		r.add(c)
		return
	}
	out, err := r.c.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(r.o.Bucket)}, r.s3Opts()...)
	if ctx.Err() != nil {
		return
	}
	switch {
	case err == nil:
		r.encKnown = true
		if out.ServerSideEncryptionConfiguration != nil {
			for _, rule := range out.ServerSideEncryptionConfiguration.Rules {
				if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
					r.defaultSSE, r.defaultKey, r.defaultBK = d.SSEAlgorithm, aws.ToString(d.KMSMasterKeyID), rule.BucketKeyEnabled
					break
				}
			}
		}
		c.Status, c.Detail = Pass, "default encryption: "+r.defaultText()
	case isCode(err, "ServerSideEncryptionConfigurationNotFoundError"):
		r.encKnown = true
		c.Status, c.Detail = Pass, "no default encryption configured"
	default:
		c.Status, c.Detail = Skip, unreadable("GetBucketEncryption", "s3:GetEncryptionConfiguration", "the bucket's default key and bucket-key setting are unknown", err)
		if d, ok := r.noAnswer("GetBucketEncryption", err); ok {
			c = noAnswerCheck(CheckEncryption, d)
		}
	}
	r.add(c)
}

// skipBucketCall is why a call about the bucket is not made, if it is not;
// otherwise the call is taken from the request budget.
func (r *run) skipBucketCall() (why string, skip bool) {
	switch {
	case r.noCreds:
		return r.noCredsWhy, true
	case r.bucketMissing:
		return "not checked: the bucket does not exist", true
	}
	if why, down := r.downSkip("S3"); down {
		return why, true
	}
	if !r.spend() {
		return budgetSkip, true
	}
	return "", false
}

// unreadable is the SKIP detail of an auxiliary call that failed: denied
// (naming the permission and what stays unknown), or any other failure.
func unreadable(op, permission, unknown string, err error) string {
	if diagnose.IsAccessDenied(err) {
		return fmt.Sprintf("%s denied (it needs %s): %s (%s)", op, permission, unknown, evidence(op, err))
	}
	return "could not read: " + evidence(op, err)
}

func (r *run) defaultText() string {
	if r.defaultSSE == "" {
		return "none"
	}
	s := string(r.defaultSSE)
	if r.defaultKey != "" {
		s += " with key " + r.defaultKey
	} else if r.defaultSSE != "AES256" {
		s += " with the AWS managed key aws/s3"
	}
	if aws.ToBool(r.defaultBK) {
		s += ", bucket key on"
	} else {
		s += ", bucket key off"
	}
	return s
}

// lifecycle reports a rule that aborts incomplete multipart uploads: good
// hygiene, but it also ends an upload kept for a resume.
func (r *run) lifecycle(ctx context.Context) {
	c := Check{Name: CheckLifecycle}
	if why, skip := r.skipBucketCall(); skip {
		c.Status, c.Detail = Skip, why
		r.add(c)
		return
	}
	out, err := r.c.S3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(r.o.Bucket)}, r.s3Opts()...)
	if ctx.Err() != nil {
		return
	}
	switch {
	case err == nil:
		c.Status, c.Detail = Pass, r.abortRule(out)
	case isCode(err, "NoSuchLifecycleConfiguration"):
		c.Status, c.Detail = Pass, "no lifecycle configuration: an interrupted upload kept for a resume stays (and is billed) until resumed or aborted"
	default:
		c.Status, c.Detail = Skip, unreadable("GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "a rule ending kept uploads would go unnoticed", err)
		if d, ok := r.noAnswer("GetBucketLifecycleConfiguration", err); ok {
			c = noAnswerCheck(CheckLifecycle, d)
		}
	}
	r.add(c)
}

// rulePrefix is the key prefix a lifecycle rule applies to ("" = all).
func rulePrefix(rule types.LifecycleRule) string {
	if rule.Filter != nil {
		switch {
		case rule.Filter.Prefix != nil:
			return *rule.Filter.Prefix
		case rule.Filter.And != nil && rule.Filter.And.Prefix != nil:
			return *rule.Filter.And.Prefix
		}
		return ""
	}
	// Configurations written before Filter existed still carry the rule's
	// own Prefix, and S3 still returns it as they were written.
	//lint:ignore SA1019 the legacy field is how those rules name their prefix
	return aws.ToString(rule.Prefix)
}

// abortRule describes the first enabled rule that aborts incomplete
// uploads of this key.
func (r *run) abortRule(out *s3.GetBucketLifecycleConfigurationOutput) string {
	for _, rule := range out.Rules {
		if rule.Status != "Enabled" || rule.AbortIncompleteMultipartUpload == nil {
			continue
		}
		if !strings.HasPrefix(r.o.Key, rulePrefix(rule)) {
			continue
		}
		days := aws.ToInt32(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation)
		id := aws.ToString(rule.ID)
		if id == "" {
			id = "(no id)"
		}
		n := fmt.Sprintf("%d days", days)
		if days == 1 {
			n = "1 day"
		}
		return fmt.Sprintf("rule %s aborts incomplete uploads %s after they start: an interrupted upload must be resumed within %s", id, n, n)
	}
	return "no rule aborts incomplete uploads of this key: an interrupted upload kept for a resume stays (and is billed) until resumed or aborted"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
