package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	smithy "github.com/aws/smithy-go"
)

func TestClassify(t *testing.T) {
	kmsUp := Context{Operation: "UploadPart", Part: 2, Parts: 5, SSE: "aws:kms", Key: keyARN, Principal: userARN,
		Bucket: "b", ObjectKey: "big.bin", Region: "us-east-1", UploadID: "UP1", MultipartCreated: true, Proof: ProofDecryptDenied}
	with := func(c Context, f func(*Context)) Context { f(&c); return c }
	unproven := with(kmsUp, func(c *Context) { c.Proof = ProofNone })
	create := with(kmsUp, func(c *Context) {
		c.Operation, c.Part, c.Parts, c.UploadID, c.MultipartCreated = "CreateMultipartUpload", 0, 0, "", false
	})

	tests := []struct {
		name string
		err  error
		ctx  Context
		want Code // "" = nil diagnosis
		// substrings the Message (m) and Remedy (r) must contain
		m, r []string
	}{
		{"UploadPart denied, SSE-KMS, round trip denied Decrypt", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), kmsUp, MissingKMSDecrypt,
			[]string{"UploadPart (part 2 of 5)", userARN, keyARN, "REQ1", "UP1", "denied Decrypt, which proves it", "PutObject needs only kms:GenerateDataKey", "small files"},
			[]string{`"kms:Decrypt"`, `"AWS": "` + userARN + `"`, `"Resource": "` + keyARN + `"`, "same account", "ONE of them"}},
		{"UploadPart denied, SSE-KMS, no round trip: both causes, KMS first", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), unproven, KMSDecryptOrS3Denied,
			[]string{"UploadPart (part 2 of 5)", "Most likely the caller lacks kms:Decrypt", "s3:PutObject was removed", "bucket policy", "service control policy", "not checked"},
			[]string{"Most likely: Allow", `"kms:Decrypt"`, "Otherwise: Make sure", "s3:PutObject"}},
		{"UploadPart denied, round trip allowed: S3's side, s3:PutObject", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.Proof = ProofKMSAllowed }), S3AccessDenied,
			[]string{"was allowed both calls", "not what S3 refused", "s3:PutObject"},
			[]string{"s3:PutObject", "arn:aws:s3:::b/big.bin"}},
		{"UploadPart denied, direct KMS use refused (kms:ViaService): unproven", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.Proof = ProofDirectDenied }), KMSDecryptOrS3Denied,
			[]string{"only through S3", "kms:ViaService", "Most likely"}, []string{"Most likely:", "Otherwise:"}},
		{"UploadPart denied, round trip failed: unproven", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.Proof, c.ProofErr = ProofFailed, errors.New("dial tcp: connection refused") }), KMSDecryptOrS3Denied,
			[]string{"could not run (dial tcp: connection refused)"}, nil},
		{"UploadPart denied, hint confirms", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(unproven, func(c *Context) { c.Hint = MissingKMSDecrypt }), MissingKMSDecrypt,
			[]string{"confirms"}, nil},
		{"UploadPartCopy denied", s3Err("UploadPartCopy", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.Operation = "UploadPartCopy" }), MissingKMSDecrypt, nil, nil},
		{"Complete denied", s3Err("CompleteMultipartUpload", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.Operation, c.Part = "CompleteMultipartUpload", 0 }), MissingKMSDecrypt, nil, nil},
		{"DSSE counts as KMS", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.SSE = "aws:kms:dsse" }), MissingKMSDecrypt, nil, nil},
		{"UploadPart denied, AES256", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.SSE = "AES256" }), S3AccessDenied,
			[]string{"does not use SSE-KMS"}, []string{"s3:PutObject", "arn:aws:s3:::b/big.bin"}},
		{"UploadPart denied, SSE unknown hints at bucket default", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.SSE = "" }), S3AccessDenied,
			[]string{"default encryption is SSE-KMS"}, nil},
		{"UploadPart denied, multipart not created", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.MultipartCreated, c.UploadID = false, "" }), S3AccessDenied, nil, nil},
		{"UploadPart denied, resumed upload (upload id known)", s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), with(kmsUp, func(c *Context) { c.MultipartCreated = false }), MissingKMSDecrypt, nil, nil},
		{"enhanced message wins and fills principal and key", s3Err("UploadPart", 403, "AccessDenied",
			"User: "+sessARN+" is not authorized to perform: kms:Decrypt on resource: "+keyARN+" because no identity-based policy allows the kms:Decrypt action"),
			with(kmsUp, func(c *Context) { c.Principal, c.Key = "", "alias/uploads" }), MissingKMSDecrypt,
			[]string{"settles it", roleARN, "session " + sessARN, keyARN}, []string{`"AWS": "` + roleARN + `"`, `"Resource": "` + keyARN + `"`}},
		{"enhanced s3 action on an SSE-KMS create: KMS not blamed", s3Err("CreateMultipartUpload", 403, "AccessDenied",
			"User: "+userARN+` is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/big.bin" because no identity-based policy allows the s3:PutObject action`),
			create, S3AccessDenied, []string{"S3 side, not KMS"}, []string{"s3:PutObject"}},
		{"enhanced GenerateDataKey on PutObject", s3Err("PutObject", 403, "AccessDenied",
			"User: "+userARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN+" because no identity-based policy allows the kms:GenerateDataKey action"),
			with(create, func(c *Context) { c.Operation = "PutObject" }), MissingKMSGenerateDataKey, []string{"settles it"}, []string{`"kms:GenerateDataKey"`}},
		{"explicit deny: no Allow statements", s3Err("UploadPart", 403, "AccessDenied",
			"User: "+userARN+" is not authorized to perform: kms:Decrypt on resource: "+keyARN+" with an explicit deny in a service control policy"),
			kmsUp, MissingKMSDecrypt, []string{"explicit deny"}, []string{"will not help"}},
		{"Create denied, no hint: both causes", s3Err("CreateMultipartUpload", 403, "AccessDenied", "Access Denied"), create, S3AccessDenied,
			[]string{"s3:PutObject", "kms:GenerateDataKey", "does not tell which"}, []string{"s3:PutObject", `"kms:GenerateDataKey"`}},
		{"Create denied, hint GenerateDataKey", s3Err("CreateMultipartUpload", 403, "AccessDenied", "Access Denied"), with(create, func(c *Context) { c.Hint = MissingKMSGenerateDataKey }), MissingKMSGenerateDataKey,
			[]string{"Preflight"}, []string{`"kms:GenerateDataKey"`}},
		{"PutObject denied, no SSE", s3Err("PutObject", 403, "AccessDenied", "Access Denied"), with(create, func(c *Context) { c.Operation, c.SSE = "PutObject", "" }), S3AccessDenied, nil, nil},
		{"HeadBucket 403 body-less", s3Err("HeadBucket", 403, "Forbidden", "Forbidden"), Context{Operation: "HeadBucket", Bucket: "b"}, S3AccessDenied, nil, nil},
		{"KMS Decrypt direct denial (JSON)", kmsErr("Decrypt", 400, "AccessDeniedException", "User: "+userARN+" is not authorized to perform: kms:Decrypt on resource: "+keyARN+" because no identity-based policy allows the kms:Decrypt action"),
			Context{Principal: userARN}, MissingKMSDecrypt, []string{keyARN}, nil},
		{"KMS GenerateDataKey 403, XML body (moto)", undecodable403("KMS", "GenerateDataKey", `<ErrorResponse><Error><Code>AccessDeniedException</Code><Message>denied</Message></Error><RequestId>MOTO1</RequestId></ErrorResponse>`),
			Context{Key: keyARN, Principal: userARN}, MissingKMSGenerateDataKey, []string{"MOTO1"}, nil},
		{"KMS Decrypt 403, garbage body", undecodable403("KMS", "Decrypt", `<html>nope</html>`), Context{Key: keyARN}, MissingKMSDecrypt,
			[]string{"HTTP 403 Forbidden, no error code"}, []string{principalPlaceholder, "sts get-caller-identity"}},
		{"KMS DescribeKey denied: not ours", kmsErr("DescribeKey", 400, "AccessDeniedException", "denied"), Context{}, "", nil, nil},
		{"IAM simulate denied: not ours", sdkErr("IAM", "SimulatePrincipalPolicy", 403, apiErr("AccessDenied", "User: "+userARN+" is not authorized to perform: iam:SimulatePrincipalPolicy on resource: "+userARN), ""), Context{}, "", nil, nil},
		{"STS 403 undecodable: not ours", undecodable403("STS", "GetCallerIdentity", "<x/>"), Context{}, "", nil, nil},

		{"S3 KMS.DisabledException", s3Err("UploadPart", 400, "KMS.DisabledException", keyARN+" is disabled."), kmsUp, KMSKeyDisabled, []string{"disabled"}, []string{"aws kms enable-key --key-id " + keyARN}},
		{"direct DisabledException (typed)", sdkErr("KMS", "GenerateDataKey", 400, &types.DisabledException{Message: strPtr("disabled")}, "K2"), Context{Key: keyARN}, KMSKeyDisabled, []string{"K2"}, nil},
		{"pending deletion", s3Err("PutObject", 400, "KMS.KMSInvalidStateException", keyARN+" is pending deletion."), create, KMSKeyPendingDeletion, []string{"scheduled for deletion"}, []string{"cancel-key-deletion"}},
		{"pending import", kmsErr("Decrypt", 400, "KMSInvalidStateException", keyARN+" is pending import."), Context{Key: keyARN}, KMSKeyPendingDeletion, []string{"imported"}, []string{"import-key-material"}},
		{"not found", s3Err("CreateMultipartUpload", 400, "KMS.NotFoundException", "Key 'arn:aws:kms:us-east-1:111122223333:key/nope' does not exist"), create, KMSKeyNotFound, nil, []string{"describe-key"}},
		{"direct NotFoundException", kmsErr("DescribeKey", 400, "NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/x is not found."), Context{Key: "alias/x", Region: "us-east-1"}, KMSKeyNotFound, nil, nil},
		{"NotFoundException outside KMS is not a key", sdkErr("Other", "Get", 400, apiErr("NotFoundException", "x"), ""), Context{}, "", nil, nil},
		{"wrong key region (message)", s3Err("PutObject", 400, "KMS.NotFoundException", "Invalid arn us-west-2"), with(create, func(c *Context) { c.Key = "arn:aws:kms:us-west-2:111122223333:key/k" }), KMSKeyWrongRegion,
			[]string{"us-west-2", "us-east-1"}, []string{"replicate-key"}},
		{"wrong key region (ARN vs context)", s3Err("PutObject", 400, "KMS.NotFoundException", "not found"), with(create, func(c *Context) { c.Key = "arn:aws:kms:eu-west-1:111122223333:key/k" }), KMSKeyWrongRegion, nil, nil},
		{"KMS throttled via S3", s3Err("UploadPart", 400, "KMS.ThrottlingException", "Rate exceeded"), kmsUp, KMSThrottled, nil, []string{"Bucket Keys"}},
		{"KMS throttled direct", kmsErr("GenerateDataKey", 400, "ThrottlingException", "Rate exceeded"), Context{}, KMSThrottled, nil, nil},
		{"S3 SlowDown is retried, not diagnosed", s3Err("UploadPart", 503, "SlowDown", "Please reduce your request rate."), kmsUp, "", nil, nil},
		{"NoSuchBucket", s3Err("CreateMultipartUpload", 404, "NoSuchBucket", "The specified bucket does not exist"), create, BucketNotFound, []string{"b does not exist"}, []string{"head-bucket --bucket b"}},
		{"HeadBucket 404", s3Err("HeadBucket", 404, "NotFound", "Not Found"), Context{Operation: "HeadBucket", Bucket: "b"}, BucketNotFound, nil, nil},
		{"PermanentRedirect", s3Err("PutObject", 301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", "X-Amz-Bucket-Region", "eu-west-1"), create, WrongRegion,
			[]string{"eu-west-1"}, []string{"AWS_REGION=eu-west-1"}},
		{"HeadBucket 301", s3Err("HeadBucket", 301, "MovedPermanently", "Moved Permanently", "X-Amz-Bucket-Region", "eu-west-2"), Context{Operation: "HeadBucket", Bucket: "b"}, WrongRegion, []string{"eu-west-2"}, nil},
		{"AuthorizationHeaderMalformed", s3Err("PutObject", 400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-south-1'"), create, WrongRegion, []string{"ap-south-1"}, nil},
		{"AuthorizationHeaderMalformed without region: not ours", s3Err("PutObject", 400, "AuthorizationHeaderMalformed", "malformed"), create, "", nil, nil},
		{"IllegalLocationConstraint", s3Err("CreateBucket", 400, "IllegalLocationConstraintException", "The unspecified location constraint is incompatible"), Context{Bucket: "b"}, WrongRegion, nil, []string{"head-bucket"}},

		{"no credentials", &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: fmt.Errorf("get identity: %w", fmt.Errorf("get credentials: %w", fmt.Errorf("failed to refresh cached credentials, %w", fmt.Errorf("no EC2 IMDS role found, %w", errString("dial tcp 169.254.169.254:80: connect: no route to host")))))},
			create, CredentialsMissing, []string{"no AWS credentials", "no EC2 IMDS role found"}, []string{"AWS_PROFILE"}},
		{"SSO session expired", &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: fmt.Errorf("get identity: %w", fmt.Errorf("get credentials: %w", fmt.Errorf("failed to refresh cached credentials, %w", &ssocreds.InvalidTokenError{})))},
			create, CredentialsExpired, nil, []string{"aws sso login"}},
		{"AssumeRole in the chain answers ExpiredToken", &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: fmt.Errorf("get identity: %w", fmt.Errorf("failed to refresh cached credentials, %w", sdkErr("STS", "AssumeRole", 400, apiErr("ExpiredToken", "The security token included in the request is expired"), "")))},
			create, CredentialsExpired, nil, nil},
		{"AssumeRole in the chain denied: credentials, not S3", &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: fmt.Errorf("get identity: %w", fmt.Errorf("failed to refresh cached credentials, %w", sdkErr("STS", "AssumeRole", 403, apiErr("AccessDenied", "User: "+userARN+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN), "")))},
			create, CredentialsMissing, []string{"sts:AssumeRole"}, nil},
		{"ExpiredToken", s3Err("UploadPart", 400, "ExpiredToken", "The provided token has expired."), kmsUp, CredentialsExpired, nil, nil},
		{"ExpiredTokenException (KMS)", kmsErr("Decrypt", 400, "ExpiredTokenException", "expired"), Context{}, CredentialsExpired, nil, nil},
		{"RequestExpired", kmsErr("Decrypt", 400, "RequestExpired", "expired"), Context{}, CredentialsExpired, nil, nil},
		{"TokenRefreshRequired", s3Err("PutObject", 400, "TokenRefreshRequired", "refresh"), create, CredentialsExpired, nil, nil},
		{"InvalidAccessKeyId (403) is credentials, not a denial", s3Err("PutObject", 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."), create, CredentialsInvalid, []string{"does not accept these credentials"}, nil},
		{"SignatureDoesNotMatch", s3Err("PutObject", 403, "SignatureDoesNotMatch", "sig"), create, CredentialsInvalid, []string{"secret access key"}, nil},
		{"InvalidClientTokenId", sdkErr("STS", "GetCallerIdentity", 403, apiErr("InvalidClientTokenId", "bad"), ""), Context{}, CredentialsInvalid, nil, nil},
		{"anonymous KMS call", kmsErr("Decrypt", 400, "MissingAuthenticationTokenException", "Missing Authentication Token"), Context{}, CredentialsMissing, []string{"unsigned"}, nil},
		{"RequestTimeTooSkewed", s3Err("UploadPart", 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."), kmsUp, ClockSkewed, []string{"clock"}, []string{"timedatectl"}},
		{"KMS signature expired is the clock", kmsErr("Decrypt", 400, "InvalidSignatureException", "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z"), Context{}, ClockSkewed, nil, nil},
		{"STS signature not yet current is the clock", sdkErr("STS", "GetCallerIdentity", 403, apiErr("SignatureDoesNotMatch", "Signature not yet current: 20270101T000000Z is still later than 20260101T000000Z"), ""), Context{}, ClockSkewed, nil, nil},
		{"connection refused", refused("S3", "CreateMultipartUpload", "http://127.0.0.1:1/b/k?uploads="), create, EndpointUnreachable, []string{"cannot reach http://127.0.0.1:1 (S3): connection refused"}, []string{"AWS_ENDPOINT_URL"}},
		{"no such host", dnsFail("KMS", "GenerateDataKey", "https://kms.nowhere.invalid/"), Context{}, EndpointUnreachable, []string{"no such host kms.nowhere.invalid"}, nil},
		{"untrusted certificate", untrusted("S3", "PutObject", "https://s3.example.com/b/k"), create, TLSUntrusted, []string{"https://s3.example.com (S3)"}, []string{"AWS_CA_BUNDLE"}},
		{"ACLs disabled", s3Err("CreateMultipartUpload", 400, "AccessControlListNotSupported", "The bucket does not allow ACLs"), create, ACLNotSupported, []string{"ACLs disabled"}, []string{"Drop the request's ACL"}},
		{"tagging proved missing", s3Err("CreateMultipartUpload", 403, "AccessDenied", "Access Denied"), Context{Operation: "CreateMultipartUpload", SSE: "aws:kms", Bucket: "b", ObjectKey: "k", Tagging: true, MissingActions: []string{"s3:PutObjectTagging"}}, S3AccessDenied, []string{"s3:PutObjectTagging"}, []string{`"s3:PutObjectTagging"`}},
		{"tagging named by AWS", s3Err("CreateMultipartUpload", 403, "AccessDenied", "User: "+userARN+" is not authorized to perform: s3:PutObjectTagging on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:PutObjectTagging action"), Context{Operation: "CreateMultipartUpload", SSE: "aws:kms", Bucket: "b", ObjectKey: "k", Tagging: true}, S3AccessDenied, []string{"s3:PutObjectTagging"}, []string{`"s3:PutObjectTagging"`}},
		{"bare denial with an ACL names s3:PutObjectAcl too", s3Err("CreateMultipartUpload", 403, "AccessDenied", "Access Denied"), Context{Operation: "CreateMultipartUpload", SSE: "AES256", Bucket: "b", ObjectKey: "k", ACL: true}, S3AccessDenied, []string{"s3:PutObjectAcl"}, []string{`"s3:PutObjectAcl"`}},

		{"canceled", &smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: &smithy.CanceledError{Err: context.Canceled}}, kmsUp, "", nil, nil},
		{"500", s3Err("UploadPart", 500, "InternalError", "We encountered an internal error."), kmsUp, "", nil, nil},
		{"InvalidPart is not ours", s3Err("CompleteMultipartUpload", 400, "InvalidPart", "x"), kmsUp, "", nil, nil},
		{"nil", nil, kmsUp, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(tt.err, tt.ctx)
			if tt.want == "" {
				if d != nil {
					t.Fatalf("want nil, got %s: %s", d.Code, d.Message)
				}
				return
			}
			if d == nil {
				t.Fatalf("want %s, got nil", tt.want)
			}
			if d.Code != tt.want {
				t.Fatalf("code = %s, want %s\n%s", d.Code, tt.want, d.Text())
			}
			if d.Message == "" || d.Remedy == "" || d.Operation == "" {
				t.Errorf("empty message, remedy or operation:\n%s", d.Text())
			}
			if !errors.Is(d, tt.err) {
				t.Errorf("diagnosis does not unwrap to the SDK error")
			}
			for _, s := range tt.m {
				if !strings.Contains(d.Message, s) {
					t.Errorf("message lacks %q:\n%s", s, d.Message)
				}
			}
			for _, s := range tt.r {
				if !strings.Contains(d.Remedy, s) {
					t.Errorf("remedy lacks %q:\n%s", s, d.Remedy)
				}
			}
			if w := cliWords(d.Text()); w != "" {
				t.Errorf("the text speaks as the CLI (%q):\n%s", w, d.Text())
			}
		})
	}
}

func strPtr(s string) *string { return &s }

// TestEveryCodeCovered keeps TestClassify honest when a code is added.
func TestEveryCodeCovered(t *testing.T) {
	seen := map[Code]bool{}
	for _, e := range []struct {
		err error
		c   Context
	}{
		{s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), Context{Operation: "UploadPart", SSE: "aws:kms", MultipartCreated: true}},
		{s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), Context{Operation: "UploadPart", SSE: "aws:kms", MultipartCreated: true, Proof: ProofDecryptDenied}},
		{s3Err("PutObject", 403, "AccessDenied", "Access Denied"), Context{Operation: "PutObject", SSE: "aws:kms", Hint: MissingKMSGenerateDataKey}},
		{s3Err("PutObject", 400, "KMS.DisabledException", ""), Context{}},
		{s3Err("PutObject", 400, "KMS.KMSInvalidStateException", ""), Context{}},
		{s3Err("PutObject", 400, "KMS.NotFoundException", ""), Context{}},
		{s3Err("PutObject", 400, "KMS.NotFoundException", "Invalid arn us-west-2"), Context{Region: "us-east-1"}},
		{s3Err("PutObject", 400, "KMS.ThrottlingException", ""), Context{}},
		{s3Err("PutObject", 403, "AccessDenied", ""), Context{}},
		{s3Err("PutObject", 404, "NoSuchBucket", ""), Context{}},
		{s3Err("PutObject", 301, "PermanentRedirect", ""), Context{}},
		{errors.New("get identity: failed to retrieve credentials"), Context{}},
		{s3Err("PutObject", 400, "ExpiredToken", ""), Context{}},
		{s3Err("PutObject", 403, "SignatureDoesNotMatch", ""), Context{}},
		{s3Err("PutObject", 403, "RequestTimeTooSkewed", ""), Context{}},
		{refused("S3", "PutObject", "http://127.0.0.1:1/b/k"), Context{}},
		{sendFailed("S3", "UploadPart", "http://127.0.0.1:1/b/k", testStall{}), Context{}},
		{untrusted("S3", "PutObject", "https://s3.example.com/b/k"), Context{}},
		{s3Err("PutObject", 400, "AccessControlListNotSupported", "The bucket does not allow ACLs"), Context{}},
		{s3Err("ListObjectsV2", 403, "AccessDenied", "Access Denied"), Context{Bucket: "b"}},
	} {
		if d := Classify(e.err, e.c); d != nil {
			seen[d.Code] = true
		}
	}
	for _, c := range Codes {
		if !seen[c] {
			t.Errorf("code %s never produced", c)
		}
	}
}

// A denied listing (a set's skip decision) is its own code, with the
// statement for s3:ListBucket on the bucket, whatever the encryption.
func TestListDenied(t *testing.T) {
	d := Classify(s3Err("ListObjectsV2", 403, "AccessDenied", "Access Denied"), Context{Bucket: "bk", SSE: "aws:kms", Principal: "arn:aws:iam::111122223333:user/u", ObjectKey: "p/"})
	if d == nil || d.Code != ListDenied || d.Transient() {
		t.Fatalf("got %+v", d)
	}
	for _, want := range []string{`"s3:ListBucket"`, `"Resource": "arn:aws:s3:::bk"`, "arn:aws:iam::111122223333:user/u"} {
		if !strings.Contains(d.Remedy, want) {
			t.Errorf("remedy lacks %s:\n%s", want, d.Remedy)
		}
	}
	if s := d.Summary(); !strings.Contains(s, "s3:ListBucket") {
		t.Errorf("summary %q", s)
	}
}

func TestIsAccessDenied(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{s3Err("UploadPart", 403, "AccessDenied", "Access Denied"), true},
		{kmsErr("Decrypt", 400, "AccessDeniedException", "x"), true},
		{undecodable403("KMS", "Decrypt", "<ErrorResponse/>"), true},
		{undecodable403("STS", "GetCallerIdentity", "not even xml"), true},
		{s3Err("HeadBucket", 403, "Forbidden", ""), true},
		{s3Err("PutObject", 403, "InvalidAccessKeyId", ""), false},
		{s3Err("PutObject", 403, "SignatureDoesNotMatch", ""), false},
		{undecodable403("STS", "GetCallerIdentity", "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>"), false},
		{s3Err("PutObject", 404, "NoSuchBucket", ""), false},
		{errors.New("x"), false},
		{nil, false},
	} {
		if got := IsAccessDenied(tt.err); got != tt.want {
			t.Errorf("IsAccessDenied(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestIsTransient(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"500", s3Err("UploadPart", 500, "InternalError", ""), true},
		{"503 SlowDown", s3Err("UploadPart", 503, "SlowDown", ""), true},
		{"400 RequestTimeout", s3Err("UploadPart", 400, "RequestTimeout", ""), true},
		{"KMS throttling via S3", s3Err("UploadPart", 400, "KMS.ThrottlingException", ""), true},
		{"KMS throttling direct", kmsErr("Decrypt", 400, "ThrottlingException", ""), true},
		{"ECONNRESET", &smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}, true},
		{"unexpected EOF", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), true},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"canceled", &smithy.OperationError{ServiceID: "S3", OperationName: "UploadPart", Err: &smithy.CanceledError{Err: context.Canceled}}, false},
		{"context.Canceled", context.Canceled, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"AccessDenied", s3Err("UploadPart", 403, "AccessDenied", ""), false},
		{"KMS disabled", s3Err("UploadPart", 400, "KMS.DisabledException", ""), false},
		{"KMS invalid state", s3Err("UploadPart", 400, "KMS.KMSInvalidStateException", ""), false},
		{"InvalidPart", s3Err("CompleteMultipartUpload", 400, "InvalidPart", ""), false},
		{"BadDigest", s3Err("UploadPart", 400, "BadDigest", ""), false},
		{"NoSuchBucket", s3Err("UploadPart", 404, "NoSuchBucket", ""), false},
		{"NoSuchUpload", s3Err("UploadPart", 404, "NoSuchUpload", ""), false},
		{"no credentials", errors.New("get identity: failed to refresh cached credentials, no EC2 IMDS role found"), false},
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
	} {
		if got := IsTransient(tt.err); got != tt.want {
			t.Errorf("%s: IsTransient = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestErrorAccessors(t *testing.T) {
	err := s3Err("UploadPart", 403, "AccessDenied", "Access Denied")
	if ErrorCode(err) != "AccessDenied" || HTTPStatus(err) != 403 || RequestID(err) != "REQ1" {
		t.Errorf("got %q %d %q", ErrorCode(err), HTTPStatus(err), RequestID(err))
	}
	moto := undecodable403("KMS", "Decrypt", `<ErrorResponse><Error><Code>AccessDeniedException</Code><Message>m</Message></Error><RequestId>R9</RequestId></ErrorResponse>`)
	if ErrorCode(moto) != "AccessDeniedException" || RequestID(moto) != "R9" || HTTPStatus(moto) != 403 {
		t.Errorf("moto: got %q %q %d", ErrorCode(moto), RequestID(moto), HTTPStatus(moto))
	}
	hdr := sdkErr("KMS", "Decrypt", 403, &smithy.DeserializationError{Err: errString("x")}, "", "X-Amzn-Requestid", "H1")
	if RequestID(hdr) != "H1" || ErrorCode(hdr) != "" {
		t.Errorf("header request id: %q %q", RequestID(hdr), ErrorCode(hdr))
	}
	if ErrorCode(errors.New("x")) != "" || HTTPStatus(errors.New("x")) != 0 || RequestID(nil) != "" {
		t.Error("non-SDK errors must give zero values")
	}
}

func TestAlreadyDiagnosedPassesThrough(t *testing.T) {
	d := &Diagnosis{Code: KMSKeyDisabled, Message: "m"}
	if got := Classify(fmt.Errorf("upload: %w", d), Context{}); got != d {
		t.Errorf("got %v", got)
	}
}

// cliWords finds words of the command-line tool in a library text: its
// flags, its commands, its "run the same command again". The library's
// callers are programs; the CLI adds those words itself.
func cliWords(text string) string {
	for _, w := range []string{"same command", "`uploader", "uploader preflight", " --", "(--", "rerun"} {
		if strings.Contains(text, w) {
			// aws CLI commands may name their own flags.
			if w == " --" || w == "(--" {
				if cleaned := awsCommands.ReplaceAllString(text, ""); !strings.Contains(cleaned, w) {
					continue
				}
			}
			return w
		}
	}
	return ""
}

var awsCommands = regexp.MustCompile("`aws [^`]*`|aws kms [a-z-]+ --key-id [^ ]+|\\(aws [^)]*\\)")
