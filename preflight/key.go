package preflight

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/upload"
)

// awsS3Alias is the AWS managed key S3 uses when aws:kms names no key.
const awsS3Alias = "alias/aws/s3"

// effective decides which encryption S3 will apply: the request's, else the
// bucket default. With aws:kms and no key id S3 uses aws/s3, not the
// bucket's default key (S3 API reference, PutObject
// x-amz-server-side-encryption-aws-kms-key-id).
func (r *run) effective() {
	sse := r.o.SSE
	switch {
	case sse.IsKMS():
		r.kms, r.keyID = true, sse.KMSKeyID
	case sse.Mode != upload.SSENone:
		r.kms = false
	case !r.encKnown:
		r.sseUnknown = true
	case r.defaultSSE == s3types.ServerSideEncryptionAwsKms || r.defaultSSE == s3types.ServerSideEncryptionAwsKmsDsse:
		r.kms, r.keyID = true, r.defaultKey
	}
	if r.kms && r.keyID == "" {
		r.keyID = awsS3Alias
	}
	r.keyARN = r.keyID
	// The request's bucket-key header wins; without it S3 applies the
	// bucket's setting.
	switch {
	case sse.BucketKey != nil:
		r.bucketKey, r.bkKnown = *sse.BucketKey, true
	case r.encKnown:
		r.bucketKey, r.bkKnown = aws.ToBool(r.defaultBK), true
	}
}

// key resolves the effective key with DescribeKey and checks what S3 needs
// of it: enabled, symmetric, ENCRYPT_DECRYPT, in the bucket's region, and
// not the AWS managed aws/s3 of another account.
func (r *run) key(ctx context.Context) {
	r.effective()
	c := Check{Name: CheckKey}
	switch {
	case r.sseUnknown:
		c.Status, c.Detail = Skip, "the bucket's default encryption decides and could not be read, so the key is unknown; the canary tests the upload as sent"
	case !r.kms:
		mode := r.o.SSE.Mode
		if mode == "" {
			mode = string(r.defaultSSE)
		}
		if mode == "" {
			c.Detail = "not SSE-KMS (no encryption requested, no bucket default): S3 does not call KMS"
		} else {
			c.Detail = "not SSE-KMS (" + mode + "): S3 does not call KMS"
		}
		c.Status = Skip
	case r.noCreds:
		c.Status, c.Detail = Skip, r.noCredsWhy
	default:
		c = r.describeKey(ctx)
	}
	if ctx.Err() != nil {
		return
	}
	r.keyBad = c.Status == Fail
	r.add(c)
}

func (r *run) describeKey(ctx context.Context) Check {
	c := Check{Name: CheckKey}
	id := r.keyID
	// Checks that need no request: they also keep DescribeKey from being
	// sent where it cannot answer.
	if isAliasARN(id) && strings.HasSuffix(id, ":alias/aws/s3") && r.account != "" && diagnose.AccountOf(id) != r.account {
		return r.crossAccountManaged(id)
	}
	if reg := arnRegion(id); reg != "" && r.regionKnown && reg != r.region {
		return r.wrongRegion(id, reg)
	}
	if why, down := r.downSkip("KMS"); down {
		c.Status, c.Detail = Skip, why+"; the canary tests the key through S3"
		return c
	}
	if !r.spend() {
		c.Status, c.Detail = Skip, budgetSkip
		return c
	}
	out, err := r.c.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)}, r.kmsOpts()...)
	if ctx.Err() != nil {
		return c
	}
	if err != nil {
		switch {
		case baseCode(err) == "NotFoundException" && id == awsS3Alias:
			r.awsManaged = true
			c.Status, c.Detail = Pass, "aws/s3 (AWS managed) does not exist yet in this account and region; S3 creates it on first use"
		case baseCode(err) == "NotFoundException":
			c.Status, c.Code = Fail, diagnose.KMSKeyNotFound
			c.Detail = fmt.Sprintf("key %s not found (%s)", id, evidence("DescribeKey", err))
			if d := diagnose.Classify(err, r.diagContext("DescribeKey")); d != nil {
				c.Code, c.Remedy = d.Code, d.Remedy
				c.Rerun = d.Rerun
			}
		case diagnose.IsAccessDenied(err):
			c.Status = Skip
			c.Detail = fmt.Sprintf("DescribeKey denied (it needs kms:DescribeKey), so the key's state, spec and region were not checked; the round trip and canary use %s as given (%s)", id, evidence("DescribeKey", err))
		default:
			c.Status, c.Detail = Skip, "could not describe "+id+": "+evidence("DescribeKey", err)
			if d, ok := r.noAnswer("DescribeKey", err); ok {
				c = noAnswerCheck(CheckKey, d)
				c.Detail += "; the canary tests the key through S3"
			}
		}
		return c
	}
	md := out.KeyMetadata
	if md == nil {
		c.Status, c.Detail = Skip, "DescribeKey answered without key metadata"
		return c
	}
	if arn := aws.ToString(md.Arn); arn != "" {
		r.keyARN = arn
	}
	r.awsManaged = md.KeyManager == kmstypes.KeyManagerTypeAws
	keyAcct := diagnose.AccountOf(r.keyARN)
	switch {
	case md.KeyState == kmstypes.KeyStateDisabled:
		c.Status, c.Code = Fail, diagnose.KMSKeyDisabled
		c.Detail = fmt.Sprintf("key %s is Disabled", r.keyARN)
		c.Remedy = fmt.Sprintf("Enable the key (needs kms:EnableKey; ask the key's administrator): `aws kms enable-key --key-id %s --region %s`, or use another key.", r.keyARN, r.keyRegion())
		c.Rerun = true
	case md.KeyState == kmstypes.KeyStatePendingDeletion || md.KeyState == kmstypes.KeyStatePendingReplicaDeletion:
		c.Status, c.Code = Fail, diagnose.KMSKeyPendingDeletion
		when := ""
		if md.DeletionDate != nil {
			when = ", deletion on " + md.DeletionDate.UTC().Format("2006-01-02")
		}
		c.Detail = fmt.Sprintf("key %s is %s%s", r.keyARN, md.KeyState, when)
		c.Remedy = fmt.Sprintf("If the key is still needed, cancel the deletion and enable it (needs kms:CancelKeyDeletion and kms:EnableKey): `aws kms cancel-key-deletion --key-id %s --region %s && aws kms enable-key --key-id %s --region %s`. Otherwise use another key.", r.keyARN, r.keyRegion(), r.keyARN, r.keyRegion())
		c.Rerun = true
	case md.KeyState != kmstypes.KeyStateEnabled && md.KeyState != "":
		c.Status = Fail
		if md.KeyState == kmstypes.KeyStatePendingImport {
			c.Code = diagnose.KMSKeyPendingDeletion // the vocabulary's code for "pending deletion or import"
		}
		c.Detail = fmt.Sprintf("key %s is %s: KMS uses only Enabled keys", r.keyARN, md.KeyState)
		c.Remedy = fmt.Sprintf("Wait for the key to become Enabled (PendingImport: import its key material), or use another key: `aws kms describe-key --key-id %s --region %s`.", r.keyARN, r.keyRegion())
	case md.KeySpec != "" && md.KeySpec != kmstypes.KeySpecSymmetricDefault:
		c.Status = Fail
		c.Detail = fmt.Sprintf("key %s is %s: S3 encrypts only with symmetric keys (SYMMETRIC_DEFAULT)", r.keyARN, md.KeySpec)
		c.Remedy = "Use a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT)."
	case md.KeyUsage != "" && md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt:
		c.Status = Fail
		c.Detail = fmt.Sprintf("key %s has usage %s: S3 needs ENCRYPT_DECRYPT", r.keyARN, md.KeyUsage)
		c.Remedy = "Use a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT)."
	case arnRegion(r.keyARN) != "" && r.regionKnown && arnRegion(r.keyARN) != r.region:
		return r.wrongRegion(r.keyARN, arnRegion(r.keyARN))
	case r.awsManaged && r.account != "" && keyAcct != "" && keyAcct != r.account:
		return r.crossAccountManaged(r.keyARN)
	default:
		c.Status = Pass
		owner := "customer managed"
		if r.awsManaged {
			owner = "AWS managed"
		}
		acct := "same account as the caller"
		if r.account == "" || keyAcct == "" {
			acct = "account " + orDash(keyAcct)
		} else if keyAcct != r.account {
			acct = "account " + keyAcct + ", not the caller's: key policy and IAM policy must both allow"
		}
		c.Detail = fmt.Sprintf("%s: Enabled, %s, %s, %s, %s", r.keyARN, orDefault(string(md.KeySpec), "SYMMETRIC_DEFAULT"), orDefault(string(md.KeyUsage), "ENCRYPT_DECRYPT"), owner, acct)
		if id != r.keyARN {
			c.Detail = id + " = " + c.Detail
		}
	}
	return c
}

func (r *run) wrongRegion(key, keyRegion string) Check {
	return Check{Name: CheckKey, Status: Fail, Code: diagnose.KMSKeyWrongRegion,
		Detail: fmt.Sprintf("key %s is in %s, the bucket in %s: S3 uses only keys of the bucket's region", key, keyRegion, r.region),
		Remedy: fmt.Sprintf("Use a key in %s: create one there, or replicate a multi-Region key (`aws kms replicate-key --key-id %s --replica-region %s`), and pass its ARN.", r.region, key, r.region), Rerun: true}
}

func (r *run) crossAccountManaged(key string) Check {
	return Check{Name: CheckKey, Status: Fail,
		Detail: fmt.Sprintf("key %s is the AWS managed key aws/s3 of account %s; the caller is in %s, and AWS managed keys cannot be used across accounts", key, diagnose.AccountOf(key), r.account),
		Remedy: "Use a customer managed key in the bucket's region, by its full key ARN, whose key policy allows this principal (kms:GenerateDataKey and kms:Decrypt), and allow it in the principal's IAM policy too (another account: both are needed)."}
}

func (r *run) keyRegion() string {
	if reg := arnRegion(r.keyARN); reg != "" {
		return reg
	}
	return orDash(r.region)
}

// kmsRequests warns when S3 will call KMS once per part: many parts without
// a bucket key can hit the account's KMS request quota.
func (r *run) kmsRequests(context.Context) {
	p := r.o.Plan
	if !r.kms || !p.Multipart || r.keyBad {
		return // no row: nothing to say
	}
	c := Check{Name: CheckKMSRequests, Status: Pass}
	switch {
	case r.bucketKey:
		c.Detail = "S3 Bucket Key on: S3 calls KMS for the bucket key, not for every part"
	case p.Parts == 0:
		c.Detail = "size unknown: S3 calls kms:Decrypt once per part (bucket key off" + unknownBK(r.bkKnown) + ")"
	case p.Parts > manyParts:
		c.Status = Warn
		c.Detail = fmt.Sprintf("%d parts with the S3 Bucket Key off%s: S3 makes about %d KMS requests for this upload, which shares the account's KMS request quota; enable the S3 Bucket Key (the bucket's setting, or the upload's SSE.BucketKey) to cut them", p.Parts, unknownBK(r.bkKnown), p.Parts+1)
	default:
		c.Detail = fmt.Sprintf("%d parts: about %d KMS requests (bucket key off%s)", p.Parts, p.Parts+1, unknownBK(r.bkKnown))
	}
	r.add(c)
}

// manyParts is where per-part KMS calls start to matter against the KMS
// request quota (thousands per second, shared by the account).
const manyParts = 1000

func unknownBK(known bool) string {
	if known {
		return ""
	}
	return " or unknown"
}

func arnRegion(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return ""
	}
	return p[3]
}

func isAliasARN(s string) bool {
	p := strings.SplitN(s, ":", 6)
	return len(p) == 6 && p[0] == "arn" && p[2] == "kms" && strings.HasPrefix(p[5], "alias/")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// diagContext describes a preflight request for diagnose.Classify.
func (r *run) diagContext(op string) diagnose.Context {
	sse := r.o.SSE.Mode
	if sse == "" && r.kms {
		sse = string(r.defaultSSE)
	}
	return diagnose.Context{
		Operation: op, SSE: sse, Key: r.keyARN, Principal: r.sessionARN,
		Bucket: r.o.Bucket, ObjectKey: r.o.Key, Region: r.region,
	}
}
