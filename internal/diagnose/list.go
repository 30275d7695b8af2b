package diagnose

import "fmt"

// explainListDenied explains a denied ListObjectsV2: a set that skips the
// files already uploaded reads one listing of its target prefix, which
// needs s3:ListBucket on the bucket (not on its objects).
func explainListDenied(d *Diagnosis, f facts, c Context, denied string) bool {
	bucket := orUnknown(c.Bucket, "BUCKET")
	d.Code, d.Action = ListDenied, "s3:ListBucket"
	d.What = joinSentences(denied, awsSays(f))
	d.Why = fmt.Sprintf("Deciding which files are already uploaded reads one listing of the target prefix (ListObjectsV2, 1,000 keys a request), which needs s3:ListBucket on the bucket arn:aws:s3:::%s; its Resource is the bucket, not arn:aws:s3:::%s/*.", bucket, bucket)
	d.Remedy = ListBucketRemedy(d.Principal, bucket, c.ObjectKey)
	return true
}

// ListBucketRemedy is the statement that allows principal (may be "") to
// list bucket under prefix ("" for the whole bucket).
func ListBucketRemedy(principal, bucket, prefix string) string {
	st := statement{Sid: "AllowUploaderList", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: "arn:aws:s3:::" + bucket}
	doc := indentJSON(policyDoc{Version: "2012-10-17", Statement: []statement{st}})
	s := fmt.Sprintf("Allow %s s3:ListBucket on arn:aws:s3:::%s (IAM statement below", orUnknown(principal, "the caller"), bucket)
	if prefix != "" {
		s += fmt.Sprintf("; a Condition on s3:prefix may narrow it to %q", prefix)
	}
	return s + "), or upload without skipping the files already there.\n" + doc
}
