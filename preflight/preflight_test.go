package preflight

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

func plan(t *testing.T, sz int64) upload.Plan {
	t.Helper()
	p, err := upload.MakePlan(sz, upload.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// opts is an SSE-KMS upload of sz bytes (multipart above 8 MiB).
func opts(t *testing.T, sz int64) Options {
	return Options{
		Bucket: bucket, Key: objKey,
		SSE:  upload.SSE{Mode: upload.SSEKMS, KMSKeyID: keyARN},
		Plan: plan(t, sz), Concurrency: 4, Canary: true, Region: region,
	}
}

func runFake(t *testing.T, f *fake, o Options) Report {
	t.Helper()
	rep, err := Run(context.Background(), f.clients(), o)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Requests != len(f.calls) {
		t.Errorf("Requests = %d, but %d calls were made: %v", rep.Requests, len(f.calls), f.calls)
	}
	if rep.Requests > MaxRequests {
		t.Errorf("%d requests, budget %d: %v", rep.Requests, MaxRequests, f.calls)
	}
	return rep
}

func check(t *testing.T, rep Report, name string) Check {
	t.Helper()
	c, ok := rep.Check(name)
	if !ok {
		t.Fatalf("no %q check in %+v", name, rep.Checks)
	}
	return c
}

func statuses(rep Report) map[string]Status {
	m := map[string]Status{}
	for _, c := range rep.Checks {
		m[c.Name] = c.Status
	}
	return m
}

var (
	callsHead = []string{"STS.GetCallerIdentity", "S3.HeadBucket", "S3.GetBucketEncryption", "S3.GetBucketLifecycleConfiguration"}
	callsKMS  = []string{"KMS.DescribeKey", "KMS.GenerateDataKey", "KMS.Decrypt"}
)

func seq(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestCallsPinned pins the exact calls and their order on the main paths.
func TestCallsPinned(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fake, *Options)
		calls []string
	}{
		{"multipart", nil, seq(callsHead, callsKMS, []string{"S3.CreateMultipartUpload", "S3.UploadPart", "S3.AbortMultipartUpload"})},
		{"single request", func(_ *fake, o *Options) { o.Plan = plan(t, 100*size.KiB) },
			seq(callsHead, callsKMS, []string{"S3.CreateMultipartUpload", "S3.AbortMultipartUpload"})},
		{"no canary", func(_ *fake, o *Options) { o.Canary = false }, seq(callsHead, callsKMS)},
		{"SSE-S3: no KMS call", func(_ *fake, o *Options) { o.SSE = upload.SSE{Mode: upload.SSES3} },
			seq(callsHead, []string{"S3.CreateMultipartUpload", "S3.UploadPart", "S3.AbortMultipartUpload"})},
		{"bucket default aws/s3: no direct round trip", func(f *fake, o *Options) {
			o.SSE = upload.SSE{}
			f.enc = &s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}}
			f.keyMeta.KeyManager = kmstypes.KeyManagerTypeAws
		}, seq(callsHead, []string{"KMS.DescribeKey", "S3.CreateMultipartUpload", "S3.UploadPart", "S3.AbortMultipartUpload"})},
		{"GenerateDataKey denied: no Decrypt", func(f *fake, _ *Options) { f.fail("KMS.GenerateDataKey", kmsDenied("GenerateDataKey")) },
			seq(callsHead, []string{"KMS.DescribeKey", "KMS.GenerateDataKey", "S3.CreateMultipartUpload", "S3.UploadPart", "S3.AbortMultipartUpload"})},
		{"create denied: no part, no abort", func(f *fake, _ *Options) {
			f.fail("S3.CreateMultipartUpload", s3Denied("CreateMultipartUpload"))
		}, seq(callsHead, callsKMS, []string{"S3.CreateMultipartUpload"})},
		{"part denied: still aborted", func(f *fake, _ *Options) { f.fail("S3.UploadPart", s3Denied("UploadPart")) },
			seq(callsHead, callsKMS, []string{"S3.CreateMultipartUpload", "S3.UploadPart", "S3.AbortMultipartUpload"})},
		{"disabled key: no round trip, no canary", func(f *fake, _ *Options) { f.keyMeta.KeyState = kmstypes.KeyStateDisabled },
			seq(callsHead, []string{"KMS.DescribeKey"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, 20*size.MiB)
			if tt.setup != nil {
				tt.setup(f, &o)
			}
			runFake(t, f, o)
			if !reflect.DeepEqual(f.calls, tt.calls) {
				t.Errorf("calls\n got %v\nwant %v", f.calls, tt.calls)
			}
		})
	}
}

func TestAllPass(t *testing.T) {
	f := newFake()
	rep := runFake(t, f, opts(t, 20*size.MiB))
	for _, c := range rep.Checks {
		if c.Status != Pass {
			t.Errorf("%s: %s %s", c.Name, c.Status, c.Detail)
		}
	}
	if rep.Verdict != Pass || rep.Principal != userARN || rep.KeyARN != keyARN || rep.BucketRegion != region || rep.Hint != "" {
		t.Errorf("report %+v", rep)
	}
	want := []string{CheckIdentity, CheckSource, CheckBucket, CheckRegion, CheckEncryption, CheckLifecycle, CheckKey, CheckKMSRequests, CheckRoundTrip, CheckCanary, CheckReconcile}
	var got []string
	for _, c := range rep.Checks {
		got = append(got, c.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("checks %v, want %v", got, want)
	}
	// The canary: a temporary key beside the target, the upload's headers.
	in := f.createIn
	if !strings.HasPrefix(aws.ToString(in.Key), objKey+".uploader-preflight-") || in.ServerSideEncryption != "aws:kms" || aws.ToString(in.SSEKMSKeyId) != keyARN {
		t.Errorf("canary create %+v", in)
	}
	if aws.ToInt64(f.partIn.ContentLength) != 1 || aws.ToString(f.abortIn.UploadId) != "UPLOAD-1" || aws.ToString(f.abortIn.Key) != aws.ToString(in.Key) {
		t.Errorf("part %+v abort %+v", f.partIn, f.abortIn)
	}
	// Both plaintexts are zeroed after the comparison.
	if len(f.plaintexts) != 2 {
		t.Fatalf("%d plaintexts", len(f.plaintexts))
	}
	for _, p := range f.plaintexts {
		for _, b := range p {
			if b != 0 {
				t.Fatalf("plaintext not zeroed: %q", p)
			}
		}
	}
}

func TestEncryptionContext(t *testing.T) {
	objCtx := map[string]string{"aws:s3:arn": "arn:aws:s3:::" + bucket + "/" + objKey}
	bktCtx := map[string]string{"aws:s3:arn": "arn:aws:s3:::" + bucket}
	on, off := true, false
	bkRule := &s3types.ServerSideEncryptionRule{BucketKeyEnabled: aws.Bool(true),
		ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN)}}
	tests := []struct {
		name   string
		enc    *s3types.ServerSideEncryptionRule
		bk     *bool
		user   map[string]string
		caller string
		want   map[string]string
	}{
		{"object ARN", nil, nil, nil, userARN, objCtx},
		{"bucket key flag: bucket ARN", nil, &on, nil, userARN, bktCtx},
		{"bucket key from the bucket default", bkRule, nil, nil, userARN, bktCtx},
		{"flag off beats the bucket default", bkRule, &off, nil, userARN, objCtx},
		{"user context merged", nil, nil, map[string]string{"project": "x"}, userARN, map[string]string{"aws:s3:arn": objCtx["aws:s3:arn"], "project": "x"}},
		{"partition from the caller", nil, nil, nil, "arn:aws-cn:iam::111122223333:user/u", map[string]string{"aws:s3:arn": "arn:aws-cn:s3:::" + bucket + "/" + objKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, 20*size.MiB)
			f.enc, f.callerARN = tt.enc, tt.caller
			o.SSE.BucketKey, o.SSE.Context = tt.bk, tt.user
			rep := runFake(t, f, o)
			if !reflect.DeepEqual(f.gdkIn.EncryptionContext, tt.want) || !reflect.DeepEqual(f.decIn.EncryptionContext, tt.want) {
				t.Errorf("context %v / %v, want %v", f.gdkIn.EncryptionContext, f.decIn.EncryptionContext, tt.want)
			}
			if f.gdkIn.KeySpec != kmstypes.DataKeySpecAes256 {
				t.Errorf("key spec %q", f.gdkIn.KeySpec)
			}
			if rep.BucketKey != (tt.want["aws:s3:arn"] == bktCtx["aws:s3:arn"]) {
				t.Errorf("BucketKey = %v", rep.BucketKey)
			}
		})
	}
}

func TestMismatchedDataKeyFails(t *testing.T) {
	f := newFake()
	f.badDecrypt = true
	rep := runFake(t, f, opts(t, 20*size.MiB))
	if c := check(t, rep, CheckRoundTrip); c.Status != Fail || !strings.Contains(c.Detail, "different data key") {
		t.Errorf("%+v", c)
	}
	for _, p := range f.plaintexts {
		if strings.Trim(string(p), "\x00") != "" {
			t.Fatalf("plaintext not zeroed")
		}
	}
}

// TestReconcile covers what the round trip and the canary say together.
func TestReconcile(t *testing.T) {
	type want struct {
		verdict        Status
		rt, cn, rec    Status
		rtCode, cnCode diagnose.Code
		hint           diagnose.Code
		remedyHas      []string // in the failing (or warning) row's remedy
		remedyRow      string
		remedyLacks    string
	}
	tests := []struct {
		name  string
		size  int64
		setup func(*fake, *Options)
		want  want
	}{
		{"no kms:Decrypt, multipart: FAIL", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("KMS.Decrypt", kmsDenied("Decrypt")).fail("S3.UploadPart", s3Denied("UploadPart"))
		}, want{verdict: Fail, rt: Fail, cn: Fail, rec: Fail, rtCode: diagnose.MissingKMSDecrypt, cnCode: diagnose.MissingKMSDecrypt, hint: diagnose.MissingKMSDecrypt,
			remedyRow: CheckRoundTrip, remedyHas: []string{"kms:Decrypt", userARN, keyARN, "Key policy", "IAM policy", "ONE of them"}}},
		{"no kms:Decrypt, single request: WARN", 100 * size.KiB, func(f *fake, _ *Options) {
			f.fail("KMS.Decrypt", kmsDenied("Decrypt"))
		}, want{verdict: Warn, rt: Warn, cn: Pass, rec: Pass, rtCode: diagnose.MissingKMSDecrypt, hint: diagnose.MissingKMSDecrypt,
			remedyRow: CheckRoundTrip, remedyHas: []string{"kms:Decrypt", userARN, keyARN}}},
		{"no kms:GenerateDataKey: FAIL", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("KMS.GenerateDataKey", kmsDenied("GenerateDataKey")).fail("S3.CreateMultipartUpload", s3Denied("CreateMultipartUpload"))
		}, want{verdict: Fail, rt: Fail, cn: Fail, rec: Fail, rtCode: diagnose.MissingKMSGenerateDataKey, cnCode: diagnose.MissingKMSGenerateDataKey, hint: diagnose.MissingKMSGenerateDataKey,
			remedyRow: CheckCanary, remedyHas: []string{"kms:GenerateDataKey", userARN, keyARN}}},
		{"ViaService: round trip denied, canary allowed: WARN", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("KMS.GenerateDataKey", kmsDenied("GenerateDataKey"))
		}, want{verdict: Warn, rt: Warn, cn: Pass, rec: Warn}},
		{"ViaService on Decrypt only: WARN", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("KMS.Decrypt", kmsDenied("Decrypt"))
		}, want{verdict: Warn, rt: Warn, cn: Pass, rec: Warn}},
		{"cross-account key, ViaService: WARN", 20 * size.MiB, func(f *fake, o *Options) {
			o.SSE.KMSKeyID = xKeyARN
			f.keyMeta.Arn = aws.String(xKeyARN)
			f.fail("KMS.GenerateDataKey", kmsDenied("GenerateDataKey"))
		}, want{verdict: Warn, rt: Warn, cn: Pass, rec: Warn}},
		{"cross-account key, Decrypt missing: both statements", 20 * size.MiB, func(f *fake, o *Options) {
			o.SSE.KMSKeyID = xKeyARN
			f.keyMeta.Arn = aws.String(xKeyARN)
			f.fail("KMS.Decrypt", kmsDenied("Decrypt")).fail("S3.UploadPart", s3Denied("UploadPart"))
		}, want{verdict: Fail, rt: Fail, cn: Fail, rec: Fail, rtCode: diagnose.MissingKMSDecrypt, cnCode: diagnose.MissingKMSDecrypt, hint: diagnose.MissingKMSDecrypt,
			remedyRow: CheckRoundTrip, remedyHas: []string{"BOTH", xKeyARN, userARN}}},
		{"S3 side: round trip ok, create denied: FAIL not blaming KMS", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("S3.CreateMultipartUpload", s3Denied("CreateMultipartUpload"))
		}, want{verdict: Fail, rt: Pass, cn: Fail, rec: Fail, cnCode: diagnose.S3AccessDenied,
			remedyRow: CheckCanary, remedyHas: []string{"s3:PutObject", "bucket policy"}, remedyLacks: "kms:"}},
		{"S3 side: round trip ok, part denied: FAIL not blaming KMS", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("S3.UploadPart", s3Denied("UploadPart"))
		}, want{verdict: Fail, rt: Pass, cn: Fail, rec: Fail, cnCode: diagnose.S3AccessDenied,
			remedyRow: CheckCanary, remedyHas: []string{"bucket policy"}, remedyLacks: "kms:"}},
		{"GenerateDataKey through S3 ok, part denied: Decrypt most likely, not proven (a direct call cannot tell)", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("KMS.GenerateDataKey", kmsDenied("GenerateDataKey")).fail("S3.UploadPart", s3Denied("UploadPart"))
		}, want{verdict: Fail, rt: Warn, cn: Fail, rec: Fail, cnCode: diagnose.KMSDecryptOrS3Denied,
			remedyRow: CheckCanary, remedyHas: []string{"kms:Decrypt", "s3:PutObject"}}},
		{"no canary: a denied round trip FAILs, saying ViaService is not ruled out", 20 * size.MiB, func(f *fake, o *Options) {
			o.Canary = false
			f.fail("KMS.GenerateDataKey", kmsDenied("GenerateDataKey"))
		}, want{verdict: Fail, rt: Fail, cn: Skip, rec: Skip, rtCode: diagnose.MissingKMSGenerateDataKey, hint: diagnose.MissingKMSGenerateDataKey}},
		{"SSE-S3, create denied: S3 side", 20 * size.MiB, func(f *fake, o *Options) {
			o.SSE = upload.SSE{Mode: upload.SSES3}
			f.fail("S3.CreateMultipartUpload", s3Denied("CreateMultipartUpload"))
		}, want{verdict: Fail, rt: Skip, cn: Fail, rec: Fail, cnCode: diagnose.S3AccessDenied, remedyRow: CheckCanary, remedyLacks: "kms:"}},
		{"KMS key disabled seen through S3", 20 * size.MiB, func(f *fake, _ *Options) {
			f.fail("S3.CreateMultipartUpload", s3Err("CreateMultipartUpload", 400, "KMS.DisabledException", "key is disabled"))
		}, want{verdict: Fail, rt: Pass, cn: Fail, rec: Skip, cnCode: diagnose.KMSKeyDisabled}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, tt.size)
			tt.setup(f, &o)
			rep := runFake(t, f, o)
			rt, cn, rec := check(t, rep, CheckRoundTrip), check(t, rep, CheckCanary), check(t, rep, CheckReconcile)
			w := tt.want
			if rep.Verdict != w.verdict || rt.Status != w.rt || cn.Status != w.cn || rec.Status != w.rec {
				t.Errorf("verdict %s round trip %s canary %s reconcile %s; want %s %s %s %s\n%s", rep.Verdict, rt.Status, cn.Status, rec.Status, w.verdict, w.rt, w.cn, w.rec, dump(rep))
			}
			if rt.Code != w.rtCode || cn.Code != w.cnCode || rep.Hint != w.hint {
				t.Errorf("codes: round trip %q canary %q hint %q; want %q %q %q\n%s", rt.Code, cn.Code, rep.Hint, w.rtCode, w.cnCode, w.hint, dump(rep))
			}
			if w.remedyRow != "" {
				rem := check(t, rep, w.remedyRow).Remedy
				for _, s := range w.remedyHas {
					if !strings.Contains(rem, s) {
						t.Errorf("%s remedy lacks %q:\n%s", w.remedyRow, s, rem)
					}
				}
				if w.remedyLacks != "" && strings.Contains(rem, w.remedyLacks) {
					t.Errorf("%s remedy mentions %q:\n%s", w.remedyRow, w.remedyLacks, rem)
				}
			}
			for _, c := range rep.Checks {
				if c.Status == Fail && c.Remedy == "" {
					t.Errorf("FAIL without a remedy: %+v", c)
				}
			}
			if w.rt == Warn && w.rtCode == "" && rt.Code != "" {
				t.Errorf("ViaService WARN carries code %q", rt.Code)
			}
		})
	}
}

func dump(rep Report) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		b.WriteString(string(c.Status) + " " + c.Name + " [" + string(c.Code) + "] " + c.Detail + "\n")
	}
	return b.String()
}

// TestAuxiliaryDenied: a check whose own call is denied is SKIP with the
// reason, and the rest goes on.
func TestAuxiliaryDenied(t *testing.T) {
	f := newFake()
	f.fail("S3.HeadBucket", s3Err("HeadBucket", 403, "Forbidden", ""))
	f.fail("S3.GetBucketEncryption", s3Denied("GetBucketEncryption"))
	f.fail("S3.GetBucketLifecycleConfiguration", s3Denied("GetBucketLifecycleConfiguration"))
	f.fail("KMS.DescribeKey", kmsDenied("DescribeKey"))
	rep := runFake(t, f, opts(t, 20*size.MiB))
	want := map[string]Status{
		CheckIdentity: Pass, CheckSource: Pass, CheckBucket: Skip, CheckRegion: Skip, CheckEncryption: Skip,
		CheckLifecycle: Skip, CheckKey: Skip, CheckKMSRequests: Pass, CheckRoundTrip: Pass, CheckCanary: Pass, CheckReconcile: Pass,
	}
	if got := statuses(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v\n%s", got, want, dump(rep))
	}
	for _, n := range []string{CheckBucket, CheckEncryption, CheckLifecycle, CheckKey} {
		if d := check(t, rep, n).Detail; !strings.Contains(d, "denied") {
			t.Errorf("%s: detail does not say denied: %s", n, d)
		}
	}
	if rep.Verdict != Pass || rep.KeyARN != keyARN || rep.BucketRegion != "" {
		t.Errorf("verdict %s key %s bucket region %q", rep.Verdict, rep.KeyARN, rep.BucketRegion)
	}
}

// TestHeadBucketDeniedElsewhere: AWS sends x-amz-bucket-region with a
// HeadBucket 403; the region is corrected without asking again.
func TestHeadBucketDeniedElsewhere(t *testing.T) {
	const there = "eu-west-1"
	f, o := newFake(), opts(t, 20*size.MiB)
	f.keyMeta.Arn = aws.String(strings.Replace(keyARN, "us-east-1", there, 1))
	o.SSE.KMSKeyID = *f.keyMeta.Arn
	f.fail("S3.HeadBucket", s3Err("HeadBucket", 403, "Forbidden", "", "X-Amz-Bucket-Region", there))
	rep := runFake(t, f, o)
	if rep.BucketRegion != there || statuses(rep)[CheckRegion] != Warn || statuses(rep)[CheckBucket] != Skip {
		t.Errorf("%+v\n%s", rep, dump(rep))
	}
	if f.calls[1] != "S3.HeadBucket" || f.calls[2] == "S3.HeadBucket" {
		t.Errorf("calls %v", f.calls)
	}
	if f.regions[len(f.regions)-1] != there {
		t.Errorf("regions %v", f.regions)
	}
}

func TestKeyProblems(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fake, *Options)
		code  diagnose.Code
		has   string
	}{
		{"disabled", func(f *fake, _ *Options) { f.keyMeta.KeyState = kmstypes.KeyStateDisabled }, diagnose.KMSKeyDisabled, "Disabled"},
		{"pending deletion", func(f *fake, _ *Options) { f.keyMeta.KeyState = kmstypes.KeyStatePendingDeletion }, diagnose.KMSKeyPendingDeletion, "PendingDeletion"},
		{"not found", func(f *fake, o *Options) {
			o.SSE.KMSKeyID = "alias/nope"
			f.fail("KMS.DescribeKey", kmsErr("DescribeKey", 400, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found."))
		}, diagnose.KMSKeyNotFound, "not found"},
		{"key of another region", func(_ *fake, o *Options) {
			o.SSE.KMSKeyID = strings.Replace(keyARN, "us-east-1", "eu-west-1", 1)
		}, diagnose.KMSKeyWrongRegion, "eu-west-1"},
		{"asymmetric", func(f *fake, _ *Options) { f.keyMeta.KeySpec = kmstypes.KeySpecRsa2048 }, "", "RSA_2048"},
		{"aws/s3 of another account", func(_ *fake, o *Options) {
			o.SSE.KMSKeyID = "arn:aws:kms:us-east-1:" + otherAcct + ":alias/aws/s3"
		}, "", "cannot be used across accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, 20*size.MiB)
			tt.setup(f, &o)
			rep := runFake(t, f, o)
			k := check(t, rep, CheckKey)
			if k.Status != Fail || k.Code != tt.code || !strings.Contains(k.Detail, tt.has) || k.Remedy == "" {
				t.Errorf("key check %+v", k)
			}
			for _, n := range []string{CheckRoundTrip, CheckCanary} {
				if c := check(t, rep, n); c.Status != Skip {
					t.Errorf("%s after a bad key: %+v", n, c)
				}
			}
			for _, c := range f.calls {
				if c == "KMS.GenerateDataKey" || c == "S3.CreateMultipartUpload" {
					t.Errorf("called %s after a bad key", c)
				}
			}
			if rep.Verdict != Fail {
				t.Errorf("verdict %s", rep.Verdict)
			}
		})
	}
}

// TestWrongRegion: the bucket is elsewhere; every later call goes there.
func TestWrongRegion(t *testing.T) {
	const there = "eu-west-1"
	eKey := strings.Replace(keyARN, "us-east-1", there, 1)
	tests := []struct {
		name  string
		setup func(*fake)
		head  int // HeadBucket calls
	}{
		{"301 redirect", func(f *fake) {
			f.fail("S3.HeadBucket", s3Err("HeadBucket", 301, "", "", "X-Amz-Bucket-Region", there), nil)
		}, 2},
		{"answered with the bucket's region", func(f *fake) {}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, 20*size.MiB)
			f.headRegion = there
			f.keyMeta.Arn = aws.String(eKey)
			o.SSE.KMSKeyID = eKey
			tt.setup(f)
			rep := runFake(t, f, o)
			if rep.BucketRegion != there {
				t.Errorf("BucketRegion %q", rep.BucketRegion)
			}
			if c := check(t, rep, CheckRegion); c.Status != Warn || c.Code != diagnose.WrongRegion || !strings.Contains(c.Detail, there) {
				t.Errorf("region check %+v", c)
			}
			if c := check(t, rep, CheckBucket); c.Status != Pass {
				t.Errorf("bucket check %+v", c)
			}
			heads := 0
			for i, c := range f.calls {
				if c == "S3.HeadBucket" {
					heads++
					continue
				}
				if c != "STS.GetCallerIdentity" && f.regions[i] != there {
					t.Errorf("%s sent to %s", c, f.regions[i])
				}
			}
			if heads != tt.head {
				t.Errorf("%d HeadBucket calls, want %d", heads, tt.head)
			}
			if rep.Verdict != Warn {
				t.Errorf("verdict %s\n%s", rep.Verdict, dump(rep))
			}
		})
	}
}

func TestBucketMissing(t *testing.T) {
	f := newFake()
	f.fail("S3.HeadBucket", s3Err("HeadBucket", 404, "NotFound", ""))
	rep := runFake(t, f, opts(t, 20*size.MiB))
	if c := check(t, rep, CheckBucket); c.Status != Fail || c.Code != diagnose.BucketNotFound || c.Remedy == "" {
		t.Errorf("%+v", c)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "S3.") && c != "S3.HeadBucket" {
			t.Errorf("called %s on a missing bucket", c)
		}
	}
}

func TestNoCredentials(t *testing.T) {
	f := newFake()
	f.fail("STS.GetCallerIdentity", noCredentials("STS", "GetCallerIdentity"))
	rep := runFake(t, f, opts(t, 20*size.MiB))
	if c := check(t, rep, CheckIdentity); c.Status != Fail || c.Code != diagnose.CredentialsMissing {
		t.Errorf("%+v", c)
	}
	if len(f.calls) != 1 {
		t.Errorf("calls after no credentials: %v", f.calls)
	}
}

func TestAssumedRole(t *testing.T) {
	f := newFake()
	f.callerARN = sessARN
	f.fail("KMS.Decrypt", kmsDenied("Decrypt")).fail("S3.UploadPart", s3Denied("UploadPart"))
	rep := runFake(t, f, opts(t, 20*size.MiB))
	if rep.Principal != roleARN {
		t.Errorf("principal %q", rep.Principal)
	}
	if rem := check(t, rep, CheckRoundTrip).Remedy; !strings.Contains(rem, `"AWS": "`+roleARN+`"`) {
		t.Errorf("remedy does not name the role:\n%s", rem)
	}
}

func TestAbortFailureReported(t *testing.T) {
	f := newFake()
	f.fail("S3.AbortMultipartUpload", s3Err("AbortMultipartUpload", 500, "InternalError", "oops"))
	rep := runFake(t, f, opts(t, 20*size.MiB))
	c := check(t, rep, CheckCleanup)
	if c.Status != Warn || !strings.Contains(c.Detail, "UPLOAD-1") || !strings.Contains(c.Remedy, "UPLOAD-1") {
		t.Errorf("%+v", c)
	}
}

// TestCancelled: the canary is aborted with a live context even when the
// caller's is gone, and Run reports the cancellation.
func TestCancelled(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.cancelOnPart = cancel
	rep, err := Run(ctx, f.clients(), opts(t, 20*size.MiB))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if c := check(t, rep, CheckCanary); c.Status != Skip {
		t.Errorf("canary %+v", c)
	}
	if f.abortIn == nil || f.abortCtxErr != nil {
		t.Errorf("abort %+v with ctx err %v", f.abortIn, f.abortCtxErr)
	}
}

// TestCancelledWhileCreating: a Ctrl-C that arrives while S3 answers a
// canary CreateMultipartUpload still gets the answer, and the upload S3
// made is aborted, not left billed with no id to abort it by (CI found it:
// a canary upload left behind by an e2e run interrupted in preflight).
func TestCancelledWhileCreating(t *testing.T) {
	tests := []struct {
		name   string
		size   int64
		tags   string
		denial error // the first create's answer: the second is the header retry
	}{
		{name: "multipart plan", size: 20 * size.MiB},
		{name: "single PUT plan", size: 1},
		{name: "the header retry", size: 20 * size.MiB, tags: "a=b", denial: s3Denied("CreateMultipartUpload")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, tt.size)
			o.Input.Tagging = tt.tags
			if tt.denial != nil {
				f.fail("S3.CreateMultipartUpload", tt.denial, nil)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.cancelOnCreate = cancel
			rep, err := Run(ctx, f.clients(), o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v", err)
			}
			if c := check(t, rep, CheckCanary); c.Status != Skip || !strings.Contains(c.Detail, "cancelled") {
				t.Errorf("canary %+v", c)
			}
			if f.abortIn == nil || aws.ToString(f.abortIn.UploadId) != "UPLOAD-1" || f.abortCtxErr != nil {
				t.Errorf("the created upload was not aborted: abort %+v, ctx err %v; calls %v", f.abortIn, f.abortCtxErr, f.calls)
			}
			if slices.Contains(f.calls, "S3.UploadPart") {
				t.Errorf("a part was sent after the cancel: %v", f.calls)
			}
		})
	}
}

func TestManyPartsWithoutBucketKeyWarns(t *testing.T) {
	f, o := newFake(), opts(t, 20*size.GiB) // 2,560 parts of 8 MiB
	rep := runFake(t, f, o)
	if c := check(t, rep, CheckKMSRequests); c.Status != Warn {
		t.Errorf("%+v", c)
	}
	on := true
	f, o = newFake(), opts(t, 20*size.GiB)
	o.SSE.BucketKey = &on
	rep = runFake(t, f, o)
	if c := check(t, rep, CheckKMSRequests); c.Status != Pass {
		t.Errorf("%+v", c)
	}
}

// The rule that aborts incomplete uploads is named with its days; one day
// is "1 day", not "1 days".
func TestLifecycleAbortRuleReported(t *testing.T) {
	tests := []struct {
		id, prefix string
		days       int32
		want, not  string
	}{
		{"cleanup", "backups/", 7, "7 days", ""},
		{"daily", "", 1, "1 day after", "1 days"},
	}
	for _, tt := range tests {
		f := newFake()
		f.lifecycle = []s3types.LifecycleRule{{ID: aws.String(tt.id), Status: s3types.ExpirationStatusEnabled,
			Filter:                         &s3types.LifecycleRuleFilter{Prefix: aws.String(tt.prefix)},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(tt.days)}}}
		rep := runFake(t, f, opts(t, 20*size.MiB))
		c := check(t, rep, CheckLifecycle)
		if !strings.Contains(c.Detail, tt.id) || !strings.Contains(c.Detail, tt.want) || (tt.not != "" && strings.Contains(c.Detail, tt.not)) {
			t.Errorf("%d days: %+v", tt.days, c)
		}
	}
}

func TestSourceCheck(t *testing.T) {
	dir := t.TempDir()
	f := newFake()
	o := opts(t, 20*size.MiB)
	o.Source = dir
	rep := runFake(t, f, o)
	if c := check(t, rep, CheckSource); c.Status != Fail || !strings.Contains(c.Detail, "not a regular file") {
		t.Errorf("%+v", c)
	}
	o.Source = dir + "/missing"
	rep = runFake(t, newFake(), o)
	if c := check(t, rep, CheckSource); c.Status != Fail {
		t.Errorf("%+v", c)
	}
}

// TestBudget runs the most expensive paths and checks the request budget.
func TestBudget(t *testing.T) {
	f, o := newFake(), opts(t, 20*size.MiB)
	f.headRegion = "eu-west-1"
	f.keyMeta.Arn = aws.String(strings.Replace(keyARN, "us-east-1", "eu-west-1", 1))
	o.SSE.KMSKeyID = *f.keyMeta.Arn
	f.fail("S3.HeadBucket", s3Err("HeadBucket", 301, "", "", "X-Amz-Bucket-Region", "eu-west-1"), nil)
	f.fail("S3.AbortMultipartUpload", s3Err("AbortMultipartUpload", 500, "InternalError", "oops"))
	rep := runFake(t, f, o)
	if rep.Requests != 11 {
		t.Errorf("%d requests: %v", rep.Requests, f.calls)
	}
}

func TestProgrammerErrors(t *testing.T) {
	if _, err := Run(context.Background(), Clients{}, Options{Bucket: "b", Key: "k"}); err == nil {
		t.Error("no error for missing clients")
	}
	if _, err := Run(context.Background(), newFake().clients(), Options{}); err == nil {
		t.Error("no error for missing bucket")
	}
}
