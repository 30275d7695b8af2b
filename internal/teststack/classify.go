package teststack

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// request is what the gate learns about one incoming request before
// deciding anything: who sent it, to which service, and which API operation
// it is. Operation names are the AWS API names, so counters and tests speak
// the same language as SDK error messages.
type request struct {
	accessKey string // from SigV4 (header or presigned query); "" if unsigned
	service   string // credential scope service: s3, kms, sts, iam; "" if unsigned
	op        string
	bucket    string // S3 only
	key       string // S3 only, unescaped object key
	uploadID  string // S3 only, from ?uploadId=
}

// classify names the request. It may read and restore a small form body
// (STS/IAM put the Action there); S3 bodies are never touched.
func classify(r *http.Request) request {
	var q request
	q.accessKey, q.service = sigV4Scope(r)
	if strings.HasPrefix(r.URL.Path, "/moto-api") {
		q.op = "moto-api"
		return q
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		// KMS (JSON protocol): "TrentService.GenerateDataKey".
		q.op = t[strings.LastIndexByte(t, '.')+1:]
		if q.service == "" {
			q.service = "kms"
		}
		return q
	}
	if q.service != "" && q.service != "s3" {
		q.op = formAction(r)
		return q
	}
	if q.service == "" {
		// Unsigned: still try the query protocol, else treat as S3.
		if a := r.URL.Query().Get("Action"); a != "" {
			q.op = a
			return q
		}
	}
	q.service = "s3"
	classifyS3(r, &q)
	return q
}

// sigV4Scope returns the access key id and service of a SigV4-signed request:
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, ..."
// or the presigned X-Amz-Credential query parameter.
func sigV4Scope(r *http.Request) (accessKey, service string) {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	if cred == "" {
		return "", ""
	}
	parts := strings.Split(cred, "/")
	if len(parts) >= 4 {
		return parts[0], parts[3]
	}
	return parts[0], ""
}

// formAction finds Action in a query-protocol request (STS, IAM): in the URL
// for GET, in the form body for POST. The body is small (no uploads go there)
// and is put back byte for byte, since it is covered by the signature.
func formAction(r *http.Request) string {
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	if r.Body == nil || r.Method != http.MethodPost {
		return ""
	}
	const max = 1 << 20
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	rest := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), rest), rest}
	if err != nil || len(b) > max {
		return ""
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		return ""
	}
	return v.Get("Action")
}

// classifyS3 maps method, path and sub-resources to the S3 operation name.
// Path-style addressing is what SDKs use against an IP endpoint; a
// virtual-host name (bucket.localhost) is understood too.
func classifyS3(r *http.Request, q *request) {
	path := r.URL.Path
	if h := hostOnly(r.Host); h != "" && net.ParseIP(h) == nil && h != "localhost" {
		if i := strings.IndexByte(h, '.'); i > 0 {
			path = "/" + h[:i] + path
		}
	}
	path = strings.TrimPrefix(path, "/")
	q.bucket, q.key, _ = strings.Cut(path, "/")
	qs := r.URL.Query()
	has := func(k string) bool { _, ok := qs[k]; return ok }
	q.uploadID = qs.Get("uploadId")
	copySrc := r.Header.Get("X-Amz-Copy-Source") != ""

	switch {
	case q.bucket == "":
		q.op = "ListBuckets"
	case q.key == "":
		q.op = bucketOp(r.Method, qs)
	default:
		switch r.Method {
		case http.MethodPut:
			switch {
			case has("partNumber") && has("uploadId") && copySrc:
				q.op = "UploadPartCopy"
			case has("partNumber") && has("uploadId"):
				q.op = "UploadPart"
			case has("tagging"):
				q.op = "PutObjectTagging"
			case has("acl"):
				q.op = "PutObjectAcl"
			case copySrc:
				q.op = "CopyObject"
			default:
				q.op = "PutObject"
			}
		case http.MethodPost:
			switch {
			case has("uploads"):
				q.op = "CreateMultipartUpload"
			case has("uploadId"):
				q.op = "CompleteMultipartUpload"
			case has("restore"):
				q.op = "RestoreObject"
			default:
				q.op = "PostObject"
			}
		case http.MethodGet:
			switch {
			case has("uploadId"):
				q.op = "ListParts"
			case has("tagging"):
				q.op = "GetObjectTagging"
			case has("attributes"):
				q.op = "GetObjectAttributes"
			case has("acl"):
				q.op = "GetObjectAcl"
			default:
				q.op = "GetObject"
			}
		case http.MethodHead:
			q.op = "HeadObject"
		case http.MethodDelete:
			switch {
			case has("uploadId"):
				q.op = "AbortMultipartUpload"
			case has("tagging"):
				q.op = "DeleteObjectTagging"
			default:
				q.op = "DeleteObject"
			}
		default:
			q.op = r.Method + "Object"
		}
	}
}

// bucketSubresources maps a bucket sub-resource to the suffix of its
// Get/Put/Delete operation name (GetBucketEncryption, PutBucketPolicy, ...).
var bucketSubresources = []struct{ query, name string }{
	{"encryption", "Encryption"}, {"policy", "Policy"}, {"versioning", "Versioning"},
	{"location", "Location"}, {"lifecycle", "LifecycleConfiguration"}, {"tagging", "Tagging"},
	{"acl", "Acl"}, {"cors", "Cors"}, {"publicAccessBlock", "PublicAccessBlock"},
	{"ownershipControls", "OwnershipControls"}, {"notification", "NotificationConfiguration"},
	{"logging", "Logging"}, {"website", "Website"}, {"accelerate", "AccelerateConfiguration"},
	{"object-lock", "ObjectLockConfiguration"}, {"replication", "Replication"},
	{"requestPayment", "RequestPayment"}, {"policyStatus", "PolicyStatus"},
}

func bucketOp(method string, qs url.Values) string {
	has := func(k string) bool { _, ok := qs[k]; return ok }
	for _, s := range bucketSubresources {
		if has(s.query) {
			switch method {
			case http.MethodGet:
				if s.query == "location" {
					return "GetBucketLocation"
				}
				return "GetBucket" + s.name
			case http.MethodPut:
				return "PutBucket" + s.name
			case http.MethodDelete:
				return "DeleteBucket" + s.name
			}
		}
	}
	switch method {
	case http.MethodGet:
		switch {
		case has("uploads"):
			return "ListMultipartUploads"
		case has("versions"):
			return "ListObjectVersions"
		case qs.Get("list-type") == "2":
			return "ListObjectsV2"
		default:
			return "ListObjects"
		}
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	case http.MethodPost:
		if has("delete") {
			return "DeleteObjects"
		}
		return "PostBucket"
	}
	return method + "Bucket"
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}
