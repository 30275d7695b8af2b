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
	out, err := r.c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, r.stsOpts()...)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		if d, ok := r.noAnswer("GetCallerIdentity", err); ok {
			c := noAnswerCheck(CheckIdentity, d)
			c.Detail += "; remedies use a placeholder for the principal"
			r.add(c)
			return
		}
		d := diagnose.Classify(err, diagnose.Context{Operation: "GetCallerIdentity"})
		if d != nil && rejectsEveryRequest[d.Code] != "" {
			// Nothing else can succeed: say it once here, skip the rest.
			r.noCreds, r.noCredsWhy = true, "not checked: "+rejectsEveryRequest[d.Code]+" (see identity)"
			r.add(Check{Name: CheckIdentity, Status: Fail, Code: d.Code,
				Detail: d.Problem() + " (" + evidence("GetCallerIdentity", err) + ")", Remedy: d.Remedy, Rerun: d.Rerun})
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

// rejectsEveryRequest are the identity failures no other request can get
// past, with the words the skipped checks say.
var rejectsEveryRequest = map[diagnose.Code]string{
	diagnose.CredentialsMissing: "no usable AWS credentials",
	diagnose.CredentialsExpired: "the AWS credentials have expired",
	diagnose.CredentialsInvalid: "the AWS credentials were rejected",
	diagnose.ClockSkewed:        "this machine's clock is too far off for any signed request",
}
