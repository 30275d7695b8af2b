package preflight

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// headerDenied isolates a CreateMultipartUpload denied while it carried
// tags or an ACL: S3 checks those as s3:PutObjectTagging and
// s3:PutObjectAcl, and answers a missing one with the same bare
// AccessDenied as a missing s3:PutObject. The same request is sent once
// more without them; if S3 allows that, their permission is what is
// missing. That upload is aborted. It costs what the canary costs when
// allowed (create, create, abort), which Run reserved.
func (r *run) headerDenied(ctx context.Context, in *s3.CreateMultipartUploadInput, denial error) (Check, bool) {
	var actions, headers []string
	if in.Tagging != nil {
		actions, headers = append(actions, "s3:PutObjectTagging"), append(headers, "tags (x-amz-tagging)")
	}
	if in.ACL != "" {
		actions, headers = append(actions, "s3:PutObjectAcl"), append(headers, "ACL (x-amz-acl "+string(in.ACL)+")")
	}
	if len(actions) == 0 || r.requests+2 > MaxRequests {
		return Check{}, false
	}
	bare := *in
	bare.Tagging, bare.ACL = nil, ""
	out, err := r.create(ctx, &bare)
	if err != nil {
		return Check{}, false // denied without them too: reconcile weighs it as usual
	}
	r.abort(ctx, aws.ToString(out.UploadId))
	r.cn.outcome = cnHeaderDenied
	dc := r.diagContext("CreateMultipartUpload")
	dc.Tagging, dc.ACL, dc.MissingActions = in.Tagging != nil, in.ACL != "", actions
	c := Check{Name: CheckCanary, Status: Fail, Code: diagnose.S3AccessDenied, Operation: "CreateMultipartUpload"}
	missing := strings.Join(actions, " or ")
	if d := diagnose.Classify(denial, dc); d != nil {
		c.Code, c.Remedy, missing = d.Code, d.Remedy, d.Action
		c.Rerun = d.Rerun
	}
	c.Detail = fmt.Sprintf("S3 denied CreateMultipartUpload on %s with the upload's %s and allowed it without them: %s is missing for %s (%s)",
		r.cn.key, strings.Join(headers, " and "), missing, orDash(r.principal), evidence("CreateMultipartUpload", denial))
	return c, true
}
