package teststack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3HeaderRules does what S3 does with a write's optional headers and moto
// does not (moto checks only s3:PutObject for them, and stores a bucket's
// Object Ownership without enforcing it):
//
//   - tags (x-amz-tagging) need s3:PutObjectTagging;
//   - an ACL (x-amz-acl, x-amz-grant-*) needs s3:PutObjectAcl;
//   - a bucket with ACLs disabled (Object Ownership BucketOwnerEnforced)
//     refuses any ACL but bucket-owner-full-control with 400
//     AccessControlListNotSupported.
//
// The permissions are asked of moto's own IAM: the same permission's call,
// made as the requester on a key that does not exist, answers 403 when it
// is denied and 404 NoSuchKey when it is allowed. It reports whether the
// request should go on; if not, it has answered.
func (g *gate) s3HeaderRules(w http.ResponseWriter, r *http.Request, q request, user User, known bool) bool {
	tagging := r.Header.Get("X-Amz-Tagging") != ""
	acl := r.Header.Get("X-Amz-Acl")
	grants := hasGrant(r.Header)
	if !known || !tagging && acl == "" && !grants {
		return true
	}
	ctx := r.Context()
	if (acl != "" && acl != "bucket-owner-full-control") || grants {
		if g.aclsDisabled(ctx, q.bucket) {
			drain(r)
			writeS3Error(w, r, http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
			return false
		}
	}
	if tagging && !g.allowed(ctx, user, q, "s3:PutObjectTagging") {
		g.denyS3(w, r, user, q, "s3:PutObjectTagging")
		return false
	}
	if (acl != "" || grants) && !g.allowed(ctx, user, q, "s3:PutObjectAcl") {
		g.denyS3(w, r, user, q, "s3:PutObjectAcl")
		return false
	}
	return true
}

func hasGrant(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return true
		}
	}
	return false
}

// aclsDisabled reads the bucket's Object Ownership as the admin.
func (g *gate) aclsDisabled(ctx context.Context, bucket string) bool {
	g.kms.mu.Lock()
	admin := g.kms.admin
	g.kms.mu.Unlock()
	out, err := g.kms.s3Client(admin).GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(bucket)})
	if err != nil || out.OwnershipControls == nil {
		return false
	}
	for _, rule := range out.OwnershipControls.Rules {
		if rule.ObjectOwnership == s3types.ObjectOwnershipBucketOwnerEnforced {
			return true
		}
	}
	return false
}

// allowed asks moto whether user may perform action on the request's
// object, by making that permission's call on a key that does not exist.
func (g *gate) allowed(ctx context.Context, user User, q request, action string) bool {
	var b [6]byte
	_, _ = rand.Read(b[:])
	probe := aws.String(q.key + ".teststack-probe-" + hex.EncodeToString(b[:]))
	c := g.kms.s3Client(user)
	var err error
	switch action {
	case "s3:PutObjectTagging":
		_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(q.bucket), Key: probe,
			Tagging: &s3types.Tagging{TagSet: []s3types.Tag{}}})
	case "s3:PutObjectAcl":
		_, err = c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String(q.bucket), Key: probe, ACL: s3types.ObjectCannedACLPrivate})
	}
	code := apiCode(err)
	g.log.Printf("%s %s: probe %s -> %v", user.Name, q.op, action, code)
	return err == nil || code == "NoSuchKey"
}

// denyS3 answers S3's 403 for a missing permission: bare, or AWS's
// same-account text naming the action (SetEnhancedDenials).
func (g *gate) denyS3(w http.ResponseWriter, r *http.Request, user User, q request, action string) {
	drain(r)
	msg := "Access Denied"
	if g.enhanced.Load() {
		msg = fmt.Sprintf("User: %s is not authorized to perform: %s on resource: \"arn:aws:s3:::%s/%s\" because no identity-based policy allows the %s action",
			user.ARN, action, q.bucket, q.key, action)
	}
	writeS3Error(w, r, http.StatusForbidden, "AccessDenied", msg)
}
