package upload

import (
	"reflect"
	"testing"
)

// PutObject and CreateMultipartUpload carry the same object headers (the
// SDK has a type for each, so their field lists are written twice): a
// header set on one and forgotten on the other would make small and big
// files differ, and the canary prove the wrong request.
func TestObjectRequestsCarryTheSameHeaders(t *testing.T) {
	bk := true
	in := Input{Bucket: "b", Key: "k", ContentType: "text/plain", Metadata: map[string]string{"a": "1"},
		StorageClass: "STANDARD_IA", CacheControl: "no-cache", ContentDisposition: "inline", ContentEncoding: "gzip",
		ACL: "private", Tagging: "t=1", NoOverwrite: true,
		SSE: SSE{Mode: SSEKMS, KMSKeyID: "alias/k", Context: map[string]string{"c": "2"}, BucketKey: &bk}}
	r := New(nil, Options{}).Requests(in)
	put := reflect.ValueOf(*r.PutObject(nil, 0, ""))
	create := reflect.ValueOf(*r.CreateMultipartUpload())
	for i := 0; i < create.NumField(); i++ {
		name := create.Type().Field(i).Name
		c := create.Field(i)
		p := put.FieldByName(name)
		if !p.IsValid() || c.IsZero() && p.IsZero() {
			continue
		}
		if name == "ChecksumAlgorithm" || name == "ChecksumType" {
			continue // the part's checksum rides on each part, the object's type on Create
		}
		if !reflect.DeepEqual(p.Interface(), c.Interface()) {
			t.Errorf("%s: PutObject has %v, CreateMultipartUpload %v", name, p.Interface(), c.Interface())
		}
	}
	for _, name := range []string{"ContentType", "Metadata", "StorageClass", "CacheControl", "ContentDisposition",
		"ContentEncoding", "ACL", "Tagging", "ServerSideEncryption", "SSEKMSKeyId", "SSEKMSEncryptionContext", "BucketKeyEnabled"} {
		if create.FieldByName(name).IsZero() {
			t.Errorf("CreateMultipartUpload does not carry %s", name)
		}
	}
}
