package preflight

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/upload"
)

const deadEndpoint = "http://127.0.0.1:1"

// down makes every call to the named services fail without an answer.
func down(f *fake, services ...string) {
	ops := map[string][]string{
		"STS": {"GetCallerIdentity"},
		"S3":  {"HeadBucket", "GetBucketEncryption", "GetBucketLifecycleConfiguration", "CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"},
		"KMS": {"DescribeKey", "GenerateDataKey", "Decrypt"},
	}
	for _, svc := range services {
		for _, op := range ops[svc] {
			f.fail(svc+"."+op, refusedErr(svc, op, deadEndpoint))
		}
	}
}

// The verdict is PASS or WARN only when something proved the planned
// requests; SKIPs alone are INCONCLUSIVE, with the reason in one line.
func TestVerdictNeedsProof(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*fake, *Options)
		verdict    Status
		reason     string // contained in Report.Reason
		reasonCode diagnose.Code
		calls      []string // when set, exactly these
	}{
		{"everything unreachable", func(f *fake, _ *Options) { down(f, "STS", "S3", "KMS") },
			Inconclusive, "cannot reach http://127.0.0.1:1 (S3): connection refused", diagnose.EndpointUnreachable,
			// One call per service: the rest are not sent.
			[]string{"STS.GetCallerIdentity", "S3.HeadBucket", "KMS.DescribeKey"}},
		{"S3 unreachable, KMS fine: the round trip does not make a PASS", func(f *fake, _ *Options) { down(f, "S3") },
			Inconclusive, "(S3): connection refused", diagnose.EndpointUnreachable, nil},
		{"STS unreachable: the canary proves it", func(f *fake, _ *Options) { down(f, "STS") }, Pass, "", "", nil},
		{"KMS unreachable: the canary through S3 proves it", func(f *fake, _ *Options) { down(f, "KMS") }, Pass, "", "", nil},
		{"KMS unreachable and no canary", func(f *fake, o *Options) { down(f, "KMS"); o.Canary = false },
			Inconclusive, "(KMS): connection refused", diagnose.EndpointUnreachable, nil},
		{"no canary, round trip passed: KMS proved", func(_ *fake, o *Options) { o.Canary = false }, Pass, "", "", nil},
		{"canary 5xx, round trip passed", func(f *fake, _ *Options) {
			f.fail("S3.CreateMultipartUpload", s3Err("CreateMultipartUpload", 500, "InternalError", "try again"))
		}, Pass, "", "", nil},
		{"SSE-S3, canary passed", func(_ *fake, o *Options) { o.SSE = upload.SSE{Mode: upload.SSES3} }, Pass, "", "", nil},
		{"SSE-S3, no canary, HeadBucket answered", func(_ *fake, o *Options) {
			o.SSE, o.Canary = upload.SSE{Mode: upload.SSES3}, false
		}, Pass, "", "", nil},
		{"SSE-S3, no canary, HeadBucket denied", func(f *fake, o *Options) {
			o.SSE, o.Canary = upload.SSE{Mode: upload.SSES3}, false
			f.fail("S3.HeadBucket", s3Err("HeadBucket", 403, "Forbidden", ""))
		}, Inconclusive, "HeadBucket did not reach the bucket", "", nil},
		{"SSE-S3, canary 5xx", func(f *fake, o *Options) {
			o.SSE = upload.SSE{Mode: upload.SSES3}
			f.fail("S3.CreateMultipartUpload", s3Err("CreateMultipartUpload", 500, "InternalError", "try again"))
		}, Inconclusive, "the canary could not complete (HTTP 500 InternalError", "", nil},
		{"bucket default unreadable, no canary", func(f *fake, o *Options) {
			o.SSE, o.Canary = upload.SSE{}, false
			f.fail("S3.GetBucketEncryption", s3Denied("GetBucketEncryption"))
		}, Inconclusive, "default encryption could not be read", "", nil},
		{"untrusted S3 certificate: FAIL, not inconclusive", func(f *fake, _ *Options) {
			f.fail("S3.HeadBucket", untrustedErr("S3", "HeadBucket", "https://s3.example.com"))
		}, Fail, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, 40*size.MiB)
			tt.setup(f, &o)
			rep := runFake(t, f, o)
			if rep.Verdict != tt.verdict || !strings.Contains(rep.Reason, tt.reason) || rep.ReasonCode != tt.reasonCode {
				t.Fatalf("verdict %s, reason %q [%s]; want %s, %q [%s]\n%s", rep.Verdict, rep.Reason, rep.ReasonCode, tt.verdict, tt.reason, tt.reasonCode, dump(rep))
			}
			if tt.verdict != Inconclusive && rep.Reason != "" {
				t.Errorf("reason %q on a %s", rep.Reason, rep.Verdict)
			}
			if tt.calls != nil && !reflect.DeepEqual(f.calls, tt.calls) {
				t.Errorf("calls %v, want %v", f.calls, tt.calls)
			}
			for _, c := range rep.Checks {
				if strings.Contains(c.Detail, "StatusCode: 0") || strings.Contains(c.Detail, "operation error") {
					t.Errorf("%s: the SDK's chain in the detail: %s", c.Name, c.Detail)
				}
			}
		})
	}
}

func TestUnreachableRows(t *testing.T) {
	f, o := newFake(), opts(t, 40*size.MiB)
	down(f, "STS", "S3", "KMS")
	rep := runFake(t, f, o)
	for _, name := range []string{CheckIdentity, CheckBucket, CheckKey} {
		if c := check(t, rep, name); c.Status != Skip || c.Code != diagnose.EndpointUnreachable || !strings.Contains(c.Detail, "cannot reach "+deadEndpoint) {
			t.Errorf("%s: %+v", name, c)
		}
	}
	if c := check(t, rep, CheckCanary); c.Status != Skip || !strings.Contains(c.Detail, "(S3): connection refused") {
		t.Errorf("canary: %+v", c)
	}
	if c := check(t, rep, CheckBucket); c.Status == Fail {
		t.Errorf("an unreachable endpoint is not a FAIL: %+v", c)
	}
}

// Rejected credentials and a skewed clock stop every check, like missing
// ones, with their own codes.
func TestIdentityRejected(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code diagnose.Code
	}{
		{sdkErr("STS", "GetCallerIdentity", 403, &smithy.GenericAPIError{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match"}, "R"), diagnose.CredentialsInvalid},
		{sdkErr("STS", "GetCallerIdentity", 403, &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."}, "R"), diagnose.CredentialsInvalid},
		{sdkErr("STS", "GetCallerIdentity", 403, &smithy.GenericAPIError{Code: "SignatureDoesNotMatch", Message: "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z"}, "R"), diagnose.ClockSkewed},
	} {
		f := newFake()
		f.fail("STS.GetCallerIdentity", tt.err)
		rep := runFake(t, f, opts(t, 40*size.MiB))
		if c := check(t, rep, CheckIdentity); c.Status != Fail || c.Code != tt.code || c.Remedy == "" {
			t.Errorf("%s: identity %+v", tt.code, c)
		}
		if rep.Verdict != Fail || len(f.calls) != 1 {
			t.Errorf("%s: verdict %s after %v", tt.code, rep.Verdict, f.calls)
		}
	}
}

// The canary sends the upload's own requests: every header, the checksum
// algorithm and type, the part's checksum.
func TestCanaryIsTheUploadsRequest(t *testing.T) {
	f, o := newFake(), opts(t, 40*size.MiB)
	o.Input = upload.Input{Bucket: "ignored", Key: "ignored", ACL: "bucket-owner-full-control", Tagging: "team=backup",
		StorageClass: "STANDARD_IA", Metadata: map[string]string{"host": "db1"}, ContentType: "application/x-tar", CacheControl: "no-cache"}
	rep := runFake(t, f, o)
	if rep.Verdict != Pass {
		t.Fatalf("verdict %s\n%s", rep.Verdict, dump(rep))
	}
	in := f.createIn
	if aws.ToString(in.Bucket) != bucket || !strings.HasPrefix(aws.ToString(in.Key), objKey+".uploader-preflight-") {
		t.Errorf("bucket %q key %q", aws.ToString(in.Bucket), aws.ToString(in.Key))
	}
	if in.ACL != "bucket-owner-full-control" || aws.ToString(in.Tagging) != "team=backup" || in.StorageClass != "STANDARD_IA" ||
		in.Metadata["host"] != "db1" || aws.ToString(in.ContentType) != "application/x-tar" || aws.ToString(in.CacheControl) != "no-cache" {
		t.Errorf("headers %+v", in)
	}
	if in.ServerSideEncryption != "aws:kms" || aws.ToString(in.SSEKMSKeyId) != keyARN {
		t.Errorf("encryption %q %q", in.ServerSideEncryption, aws.ToString(in.SSEKMSKeyId))
	}
	if in.ChecksumAlgorithm != s3types.ChecksumAlgorithmCrc64nvme || in.ChecksumType != s3types.ChecksumTypeFullObject {
		t.Errorf("checksum %q %q", in.ChecksumAlgorithm, in.ChecksumType)
	}
	if aws.ToString(f.partIn.ChecksumCRC64NVME) == "" || aws.ToString(f.partIn.Key) != aws.ToString(in.Key) {
		t.Errorf("part %+v", f.partIn)
	}
	if c := check(t, rep, CheckCanary); !strings.Contains(c.Detail, "ACL bucket-owner-full-control") || !strings.Contains(c.Detail, "tags") {
		t.Errorf("canary detail %q", c.Detail)
	}

	// when_required: no checksum headers at all.
	f, o = newFake(), opts(t, 40*size.MiB)
	o.NoChecksum = true
	runFake(t, f, o)
	if f.createIn.ChecksumAlgorithm != "" || f.partIn.ChecksumCRC64NVME != nil || f.partIn.ChecksumCRC32 != nil {
		t.Errorf("NoChecksum sent checksums: %+v %+v", f.createIn, f.partIn)
	}
}

// A create denied with the upload's tags or ACL and allowed without them
// names the header's permission; the second upload is aborted.
func TestCanaryHeaderDenied(t *testing.T) {
	tests := []struct {
		name     string
		in       upload.Input
		denial   error
		missing  string
		notNamed string
	}{
		{"tagging", upload.Input{Tagging: "a=b"}, s3Denied("CreateMultipartUpload"), "s3:PutObjectTagging", "s3:PutObjectAcl"},
		{"acl", upload.Input{ACL: "public-read"}, s3Denied("CreateMultipartUpload"), "s3:PutObjectAcl", "s3:PutObjectTagging"},
		{"both, bare denial: both named", upload.Input{Tagging: "a=b", ACL: "public-read"}, s3Denied("CreateMultipartUpload"), "s3:PutObjectTagging or s3:PutObjectAcl", ""},
		{"both, AWS names tagging", upload.Input{Tagging: "a=b", ACL: "public-read"},
			s3Err("CreateMultipartUpload", 403, "AccessDenied", "User: "+userARN+" is not authorized to perform: s3:PutObjectTagging on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:PutObjectTagging action"),
			"s3:PutObjectTagging", "s3:PutObjectAcl is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, o := newFake(), opts(t, 40*size.MiB)
			o.Input = tt.in
			f.fail("S3.CreateMultipartUpload", tt.denial, nil)
			rep := runFake(t, f, o)
			c := check(t, rep, CheckCanary)
			if rep.Verdict != Fail || c.Status != Fail || c.Code != diagnose.S3AccessDenied || !strings.Contains(c.Detail, tt.missing+" is missing") {
				t.Fatalf("verdict %s canary %+v\n%s", rep.Verdict, c, dump(rep))
			}
			for _, a := range strings.Split(tt.missing, " or ") {
				if !strings.Contains(c.Remedy, `"`+a+`"`) {
					t.Errorf("remedy lacks a statement with %s:\n%s", a, c.Remedy)
				}
			}
			if tt.notNamed != "" && strings.Contains(c.Detail, tt.notNamed) {
				t.Errorf("detail names %s: %s", tt.notNamed, c.Detail)
			}
			if len(f.creates) != 2 || f.creates[1].Tagging != nil || f.creates[1].ACL != "" {
				t.Errorf("creates %+v: want the second without tags and ACL", f.creates)
			}
			want := seq(callsHead, callsKMS, []string{"S3.CreateMultipartUpload", "S3.CreateMultipartUpload", "S3.AbortMultipartUpload"})
			if !reflect.DeepEqual(f.calls, want) {
				t.Errorf("calls %v, want %v", f.calls, want)
			}
			if rec := check(t, rep, CheckReconcile); rec.Status != Fail || rec.Code != diagnose.S3AccessDenied {
				t.Errorf("reconcile %+v", rec)
			}
		})
	}
	// Denied without them too: the usual S3-side verdict.
	f, o := newFake(), opts(t, 40*size.MiB)
	o.Input = upload.Input{Tagging: "a=b"}
	f.fail("S3.CreateMultipartUpload", s3Denied("CreateMultipartUpload"))
	rep := runFake(t, f, o)
	if c := check(t, rep, CheckCanary); c.Status != Fail || strings.Contains(c.Detail, "allowed it without") {
		t.Errorf("canary %+v", c)
	}
}

func TestCanaryACLNotSupported(t *testing.T) {
	f, o := newFake(), opts(t, 40*size.MiB)
	o.Input = upload.Input{ACL: "public-read"}
	f.fail("S3.CreateMultipartUpload", s3Err("CreateMultipartUpload", 400, "AccessControlListNotSupported", "The bucket does not allow ACLs"))
	rep := runFake(t, f, o)
	c := check(t, rep, CheckCanary)
	if rep.Verdict != Fail || c.Status != Fail || c.Code != diagnose.ACLNotSupported || !strings.Contains(c.Remedy, "Drop the request's ACL") {
		t.Fatalf("canary %+v\n%s", c, dump(rep))
	}
}
