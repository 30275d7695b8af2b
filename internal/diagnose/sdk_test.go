package diagnose

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// These tests run real SDK clients against canned HTTP answers, to pin how
// the SDK wraps errors rather than how we think it does.

type canned struct {
	status int
	header map[string]string
	body   string
}

func server(t *testing.T, answer func(r *http.Request) canned) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answer(r)
		if a.status < 0 { // -1: close without answering; -2: reset
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			if tc, ok := c.(*net.TCPConn); ok && a.status == -2 {
				tc.SetLinger(0)
			}
			c.Close()
			return
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func config(url string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		RetryMaxAttempts: 1,
		BaseEndpoint:     aws.String(url),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
		})),
	}
}

func s3Client(url string) *s3.Client {
	return s3.NewFromConfig(config(url), func(o *s3.Options) { o.UsePathStyle = true })
}

func s3XML(code, msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + msg + `</Message><RequestId>S3REQ</RequestId><HostId>HOSTID</HostId></Error>`
}

var s3Hdr = map[string]string{"Content-Type": "application/xml", "x-amz-request-id": "S3REQ", "x-amz-id-2": "HOSTID"}

func TestSDKUploadPartDenied(t *testing.T) {
	srv := server(t, func(*http.Request) canned { return canned{403, s3Hdr, s3XML("AccessDenied", "Access Denied")} })
	_, err := s3Client(srv.URL).UploadPart(context.Background(), &s3.UploadPartInput{
		Bucket: aws.String("b"), Key: aws.String("k"), UploadId: aws.String("UP"), PartNumber: aws.Int32(2), Body: strings.NewReader("x"),
	})
	if !IsAccessDenied(err) || IsTransient(err) {
		t.Fatalf("IsAccessDenied=%v IsTransient=%v for %v", IsAccessDenied(err), IsTransient(err), err)
	}
	d := Classify(err, Context{Part: 2, Parts: 5, SSE: "aws:kms", Key: keyARN, Principal: userARN, MultipartCreated: true, UploadID: "UP", Proof: ProofDecryptDenied})
	if d == nil || d.Code != MissingKMSDecrypt || d.Operation != "UploadPart" || d.RequestID != "S3REQ" || d.HostID != "HOSTID" || d.HTTPStatus != 403 {
		t.Fatalf("got %+v", d)
	}
}

func TestSDKKMS403XMLBody(t *testing.T) {
	// moto answers a denied KMS call with XML; the SDK expects JSON.
	srv := server(t, func(*http.Request) canned {
		return canned{403, map[string]string{"Content-Type": "text/xml"}, `<?xml version="1.0"?><ErrorResponse><Error><Code>AccessDeniedException</Code><Message>User: ` + userARN + ` is not authorized to perform: kms:GenerateDataKey on resource: ` + keyARN + `</Message></Error><RequestId>MOTO</RequestId></ErrorResponse>`}
	})
	_, err := kms.NewFromConfig(config(srv.URL)).GenerateDataKey(context.Background(), &kms.GenerateDataKeyInput{KeyId: aws.String("alias/x")})
	if !IsAccessDenied(err) {
		t.Fatalf("not a denial: %v", err)
	}
	d := Classify(err, Context{Key: "alias/x"})
	if d == nil || d.Code != MissingKMSGenerateDataKey || d.Principal != userARN || d.Key != keyARN || d.RequestID != "MOTO" {
		t.Fatalf("got %+v", d)
	}
}

func TestSDKKMS403Garbage(t *testing.T) {
	srv := server(t, func(*http.Request) canned {
		return canned{403, map[string]string{"x-amzn-RequestId": "HDR"}, "<html>forbidden</html>"}
	})
	_, err := kms.NewFromConfig(config(srv.URL)).Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: []byte("x")})
	if !IsAccessDenied(err) || RequestID(err) != "HDR" {
		t.Fatalf("IsAccessDenied=%v RequestID=%q: %v", IsAccessDenied(err), RequestID(err), err)
	}
	if d := Classify(err, Context{Key: keyARN}); d == nil || d.Code != MissingKMSDecrypt {
		t.Fatalf("got %+v", d)
	}
}

func kmsJSON(typ, msg string) canned {
	return canned{400, map[string]string{"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "KREQ"}, `{"__type":"` + typ + `","message":"` + msg + `"}`}
}

func TestSDKKMSStates(t *testing.T) {
	for _, tt := range []struct {
		answer canned
		want   Code
		trans  bool
	}{
		{kmsJSON("DisabledException", keyARN+" is disabled."), KMSKeyDisabled, false},
		{kmsJSON("KMSInvalidStateException", keyARN+" is pending deletion."), KMSKeyPendingDeletion, false},
		{kmsJSON("NotFoundException", "Key '"+keyARN+"' does not exist"), KMSKeyNotFound, false},
		{kmsJSON("ThrottlingException", "Rate exceeded"), KMSThrottled, true},
		{kmsJSON("ExpiredTokenException", "The security token included in the request is expired"), CredentialsExpired, false},
		{kmsJSON("UnrecognizedClientException", "The security token included in the request is invalid."), CredentialsInvalid, false},
	} {
		srv := server(t, func(*http.Request) canned { return tt.answer })
		_, err := kms.NewFromConfig(config(srv.URL)).Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: []byte("x")})
		d := Classify(err, Context{Key: keyARN, Region: "us-east-1"})
		if d == nil || d.Code != tt.want || d.RequestID != "KREQ" || d.Operation != "Decrypt" {
			t.Errorf("%s: got %+v", tt.answer.body, d)
		}
		if IsTransient(err) != tt.trans {
			t.Errorf("%s: IsTransient = %v", tt.answer.body, !tt.trans)
		}
	}
}

func TestSDKS3KMSErrors(t *testing.T) {
	for _, tt := range []struct {
		code, msg string
		status    int
		want      Code
	}{
		{"KMS.DisabledException", keyARN + " is disabled.", 400, KMSKeyDisabled},
		{"KMS.KMSInvalidStateException", keyARN + " is pending deletion.", 400, KMSKeyPendingDeletion},
		{"KMS.NotFoundException", "Invalid arn us-west-2", 400, KMSKeyWrongRegion},
		{"KMS.NotFoundException", "Key does not exist", 400, KMSKeyNotFound},
		{"NoSuchBucket", "The specified bucket does not exist", 404, BucketNotFound},
		{"PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", 301, WrongRegion},
		{"ExpiredToken", "The provided token has expired.", 400, CredentialsExpired},
		{"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403, CredentialsInvalid},
	} {
		srv := server(t, func(*http.Request) canned { return canned{tt.status, s3Hdr, s3XML(tt.code, tt.msg)} })
		_, err := s3Client(srv.URL).CreateMultipartUpload(context.Background(), &s3.CreateMultipartUploadInput{Bucket: aws.String("b"), Key: aws.String("k")})
		d := Classify(err, Context{SSE: "aws:kms", Key: keyARN, Region: "us-east-1", Bucket: "b"})
		if d == nil || d.Code != tt.want || d.Operation != "CreateMultipartUpload" || d.RequestID != "S3REQ" {
			t.Errorf("%s: got %+v (err %v)", tt.code, d, err)
		}
		if IsTransient(err) {
			t.Errorf("%s: transient", tt.code)
		}
	}
}

func TestSDKHeadBucket(t *testing.T) {
	srv := server(t, func(*http.Request) canned {
		return canned{301, map[string]string{"x-amz-bucket-region": "eu-west-1", "x-amz-request-id": "HB"}, ""}
	})
	_, err := s3Client(srv.URL).HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("b")})
	d := Classify(err, Context{Bucket: "b", Region: "us-east-1"})
	if d == nil || d.Code != WrongRegion || !strings.Contains(d.Remedy, "eu-west-1") {
		t.Fatalf("301: got %+v", d)
	}
	srv = server(t, func(*http.Request) canned { return canned{404, nil, ""} })
	_, err = s3Client(srv.URL).HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("b")})
	if d := Classify(err, Context{Bucket: "b"}); d == nil || d.Code != BucketNotFound {
		t.Fatalf("404: got %+v (%v)", d, err)
	}
	srv = server(t, func(*http.Request) canned { return canned{403, nil, ""} })
	_, err = s3Client(srv.URL).HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("b")})
	if !IsAccessDenied(err) {
		t.Fatalf("403 HeadBucket not a denial: %v", err)
	}
}

func TestSDKSTSInvalidToken(t *testing.T) {
	srv := server(t, func(*http.Request) canned {
		return canned{403, map[string]string{"Content-Type": "text/xml"}, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>STSREQ</RequestId></ErrorResponse>`}
	})
	_, err := sts.NewFromConfig(config(srv.URL)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if IsAccessDenied(err) {
		t.Errorf("invalid token counted as a denial")
	}
	if d := Classify(err, Context{}); d == nil || d.Code != CredentialsInvalid {
		t.Fatalf("got %+v (%v)", d, err)
	}
}

func TestSDKTransient(t *testing.T) {
	srv := server(t, func(*http.Request) canned {
		return canned{503, s3Hdr, s3XML("SlowDown", "Please reduce your request rate.")}
	})
	_, err := s3Client(srv.URL).UploadPart(context.Background(), &s3.UploadPartInput{Bucket: aws.String("b"), Key: aws.String("k"), UploadId: aws.String("U"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	if !IsTransient(err) || Classify(err, Context{SSE: "aws:kms", MultipartCreated: true}) != nil {
		t.Errorf("SlowDown: transient=%v", IsTransient(err))
	}
	for _, how := range []int{-1, -2} {
		srv = server(t, func(*http.Request) canned { return canned{status: how} })
		_, err = s3Client(srv.URL).UploadPart(context.Background(), &s3.UploadPartInput{Bucket: aws.String("b"), Key: aws.String("k"), UploadId: aws.String("U"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
		t.Logf("dropped connection (%d): %v", how, err)
		if err == nil || !IsTransient(err) || Classify(err, Context{}) != nil {
			t.Errorf("dropped connection (%d): transient=%v: %v", how, IsTransient(err), err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s3Client(srv.URL).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("b")})
	if err == nil || IsTransient(err) || Classify(err, Context{}) != nil {
		t.Errorf("canceled: transient=%v: %v", IsTransient(err), err)
	}
}

func TestSDKNoCredentials(t *testing.T) {
	srv := server(t, func(*http.Request) canned { t.Error("request sent without credentials"); return canned{200, nil, ""} })
	cfg := config(srv.URL)
	cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no credential providers in the chain")
	}))
	_, err := s3.NewFromConfig(cfg).PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	d := Classify(err, Context{})
	if d == nil || d.Code != CredentialsMissing || d.Operation != "PutObject" || IsTransient(err) {
		t.Fatalf("got %+v (%v)", d, err)
	}
}
