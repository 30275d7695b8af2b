package preflight

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// identity asks STS who we are: the principal every remedy names. An
// assumed-role session is mapped to its role, since policies name roles,
// not sessions.
func (r *run) identity(ctx context.Context) {
	r.spend()
	out, err := r.c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		d := diagnose.Classify(err, diagnose.Context{Operation: "GetCallerIdentity"})
		if d != nil && (d.Code == diagnose.CredentialsMissing || d.Code == diagnose.CredentialsExpired) {
			// Nothing else can succeed: say it once here, skip the rest.
			r.noCreds = true
			r.add(Check{Name: CheckIdentity, Status: Fail, Code: d.Code,
				Detail: evidence("GetCallerIdentity", err), Remedy: d.Remedy})
			return
		}
		r.add(Check{Name: CheckIdentity, Status: Skip,
			Detail: "could not learn the caller's identity (" + evidence("GetCallerIdentity", err) + "); remedies use a placeholder for the principal"})
		return
	}
	r.sessionARN = aws.ToString(out.Arn)
	r.principal = diagnose.RoleARN(r.sessionARN)
	r.account = aws.ToString(out.Account)
	if p := strings.SplitN(r.sessionARN, ":", 3); len(p) == 3 && p[0] == "arn" && p[1] != "" {
		r.partition = p[1] // aws-cn, aws-us-gov: S3 ARNs in the context follow it
	}
	detail := fmt.Sprintf("%s (account %s)", r.sessionARN, r.account)
	if r.principal != r.sessionARN {
		detail = fmt.Sprintf("%s, session of role %s (account %s); policies name the role", r.sessionARN, r.principal, r.account)
	}
	r.add(Check{Name: CheckIdentity, Status: Pass, Detail: detail})
}

// skipNoCreds is the detail of every check after an identity failure for
// want of credentials.
const skipNoCreds = "not checked: no usable AWS credentials (see identity)"
