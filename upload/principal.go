package upload

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

// STSAPI is the one STS call LookupPrincipal makes. *sts.Client satisfies
// it.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ STSAPI = (*sts.Client)(nil)

// LookupPrincipal asks STS who the caller is and returns the ARN a policy
// must name: the caller's ARN, or for an assumed-role session the role's
// ARN (a session's ARN changes with every session). It is what
// Diagnostics.Principal wants, for callers that did not run the preflight:
//
//	opts.Diagnostics.LookupPrincipal = func(ctx context.Context) (string, error) {
//		return upload.LookupPrincipal(ctx, sts.NewFromConfig(cfg))
//	}
//
// GetCallerIdentity needs no permission, so an error means no usable
// credentials or no reachable STS.
func LookupPrincipal(ctx context.Context, client STSAPI) (string, error) {
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("looking up the caller (sts:GetCallerIdentity): %w", err)
	}
	arn := aws.ToString(out.Arn)
	if arn == "" {
		return "", errors.New("looking up the caller (sts:GetCallerIdentity): STS returned no ARN")
	}
	return diagnose.RoleARN(arn), nil
}
