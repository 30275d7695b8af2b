package diagnose

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sigErr is a signature refusal answered by the server at rawURL.
func sigErr(service, op, rawURL, code string) error {
	u, _ := url.Parse(rawURL)
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 403, Header: http.Header{},
				Request: &http.Request{Method: "GET", URL: u}}},
			Err: apiErr(code, "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
		},
		RequestID: "REQ1",
	}}
}

// A rejected signature from AWS itself means the secret is wrong (AWS
// canonicalizes as its SDKs do); from another endpoint the client cannot
// know which of several causes it is, and says so. The code stays
// credentials_invalid either way.
func TestSignatureRejectedByEndpoint(t *testing.T) {
	for _, c := range []struct {
		name, url, code string
		summary         []string // in Summary
		text            []string // in Text
		notText         []string
	}{
		{"AWS S3", "https://bucket.s3.us-east-1.amazonaws.com/k", "SignatureDoesNotMatch",
			[]string{"secret access key does not match the access key id"}, []string{"secret access key does not belong"}, []string{"not an AWS endpoint"}},
		{"AWS China", "https://s3.cn-north-1.amazonaws.com.cn/b/k", "SignatureDoesNotMatch",
			[]string{"secret access key does not match"}, nil, []string{"not an AWS endpoint"}},
		{"AWS dual-stack api.aws", "https://s3.dualstack.us-east-1.api.aws/b/k", "SignatureDoesNotMatch",
			[]string{"secret access key does not match"}, nil, []string{"not an AWS endpoint"}},
		{"local stack, trailing-slash prefix", "http://127.0.0.1:4566/uploader-test?list-type=2&prefix=resume%2F", "SignatureDoesNotMatch",
			[]string{"signature rejected by http://127.0.0.1:4566 (not AWS)", "wrong secret key", "canonicalizes"},
			[]string{"which is not an AWS endpoint", "cannot tell apart", "percent-encoded characters (/uploader-test?list-type=2&prefix=resume%2F)", "clocks differ", "--endpoint-url http://127.0.0.1:4566", "The server says"},
			[]string{"AWS says", "the secret access key does not match the access key id"}},
		{"S3-compatible store, plain key", "https://minio.example.com/b/plain", "SignatureDoesNotMatch",
			[]string{"signature rejected by https://minio.example.com (not AWS)"},
			[]string{"does not belong to the access key id", "a proxy in between"}, []string{"This request's URL has percent-encoded"}},
		{"KMS-compatible, InvalidSignatureException", "http://localhost:8080/", "InvalidSignatureException",
			[]string{"signature rejected by http://localhost:8080 (not AWS)"}, nil, nil},
		{"a lookalike host is not AWS", "https://s3.amazonaws.com.evil.example/b/k", "SignatureDoesNotMatch",
			[]string{"(not AWS)"}, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Classify(sigErr("S3", "ListObjectsV2", c.url, c.code), Context{Operation: "ListObjectsV2"})
			if d == nil || d.Code != CredentialsInvalid {
				t.Fatalf("code: %+v", d)
			}
			sum, text := d.Summary(), d.Text()
			for _, w := range c.summary {
				if !strings.Contains(sum, w) {
					t.Errorf("summary %q lacks %q", sum, w)
				}
			}
			for _, w := range c.text {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range c.notText {
				if strings.Contains(text, w) {
					t.Errorf("text has %q:\n%s", w, text)
				}
			}
		})
	}
}

// Every code that refuses the credentials or their signature is
// credentials_invalid: the unrecognised-key codes and each of
// awshost.SignatureRefused's, whichever list names it.
func TestCredentialsRefusedCodes(t *testing.T) {
	for _, code := range []string{"InvalidAccessKeyId", "InvalidClientTokenId", "UnrecognizedClientException", "InvalidToken",
		"SignatureDoesNotMatch", "IncompleteSignature", "IncompleteSignatureException", "InvalidSignatureException"} {
		d := Classify(sigErr("S3", "PutObject", "https://b.s3.us-east-1.amazonaws.com/k", code), Context{Operation: "PutObject"})
		if d == nil || d.Code != CredentialsInvalid {
			t.Errorf("%s: %+v, want credentials_invalid", code, d)
		}
	}
}
