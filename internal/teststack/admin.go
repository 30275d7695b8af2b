package teststack

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// Admin helpers act as Admin, straight against moto (not counted by the
// gate), for tests that change things mid-run.

// NewKey creates an enabled symmetric key and returns its ARN.
func (s *Stack) NewKey(ctx context.Context) (string, error) {
	md, err := createKey(ctx, kms.NewFromConfig(s.motoConfig(s.Admin)), "uploader test: extra key")
	if err != nil {
		return "", err
	}
	return aws.ToString(md.Arn), nil
}

// DisableKey disables a key given by ARN or id.
func (s *Stack) DisableKey(ctx context.Context, keyARNorID string) error {
	_, err := kms.NewFromConfig(s.motoConfig(s.Admin)).DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(bareKeyID(keyARNorID))})
	if err != nil {
		return fmt.Errorf("disable key %s: %w", keyARNorID, err)
	}
	return nil
}

// EnableKey enables a key given by ARN or id.
func (s *Stack) EnableKey(ctx context.Context, keyARNorID string) error {
	_, err := kms.NewFromConfig(s.motoConfig(s.Admin)).EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(bareKeyID(keyARNorID))})
	if err != nil {
		return fmt.Errorf("enable key %s: %w", keyARNorID, err)
	}
	return nil
}

// CancelKeyDeletion takes a key (ARN or id) out of PendingDeletion; as on
// AWS, it is then Disabled until EnableKey.
func (s *Stack) CancelKeyDeletion(ctx context.Context, keyARNorID string) error {
	_, err := kms.NewFromConfig(s.motoConfig(s.Admin)).CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: aws.String(bareKeyID(keyARNorID))})
	if err != nil {
		return fmt.Errorf("cancel deletion of key %s: %w", keyARNorID, err)
	}
	return nil
}

// ScheduleKeyDeletion puts a key (ARN or id) in PendingDeletion, 7 days out.
func (s *Stack) ScheduleKeyDeletion(ctx context.Context, keyARNorID string) error {
	_, err := kms.NewFromConfig(s.motoConfig(s.Admin)).ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{
		KeyId: aws.String(bareKeyID(keyARNorID)), PendingWindowInDays: aws.Int32(7),
	})
	if err != nil {
		return fmt.Errorf("schedule deletion of key %s: %w", keyARNorID, err)
	}
	return nil
}

// NewUser creates an IAM user with policyJSON as its only (inline) policy
// and an access key, and tells the gate its secret so it can make S3's KMS
// calls as that user. Users made any other way are unknown to the gate:
// their SSE-KMS requests get a 500 naming this helper.
func (s *Stack) NewUser(ctx context.Context, name, policyJSON string) (User, error) {
	u, err := createUser(ctx, iam.NewFromConfig(s.motoConfig(s.Admin)), name, policyJSON)
	if err != nil {
		return User{}, err
	}
	s.gate.addUser(u)
	return u, nil
}

// Policy builds an identity policy document allowing actions on "*"
// (moto matches KMS actions only with Resource "*"), for NewUser.
func Policy(actions ...string) string { return policy(actions...) }

// bareKeyID turns a key ARN into its id: moto's DisableKey and
// ScheduleKeyDeletion answer HTTP 500 when given an ARN.
func bareKeyID(keyARNorID string) string {
	if i := strings.LastIndex(keyARNorID, ":key/"); i >= 0 {
		return keyARNorID[i+len(":key/"):]
	}
	return keyARNorID
}

// SetUserPolicy replaces the inline policy of a user made by NewUser: a
// test "fixes the permission" mid-journey with it.
func (s *Stack) SetUserPolicy(ctx context.Context, u User, policyJSON string) error {
	_, err := iam.NewFromConfig(s.motoConfig(s.Admin)).PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName: aws.String(u.Name), PolicyName: aws.String("teststack"), PolicyDocument: aws.String(policyJSON),
	})
	if err != nil {
		return fmt.Errorf("put policy for %s: %w", u.Name, err)
	}
	return nil
}
