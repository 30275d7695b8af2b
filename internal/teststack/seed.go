package teststack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Names of the seeded things.
const (
	seedBucket = "uploader-test"
	seedAlias  = "alias/uploader-test"
)

// statement is one IAM policy statement.
type statement struct {
	Effect   string
	Action   []string
	Resource string
}

// policy builds an identity policy allowing actions on "*": moto matches
// KMS actions only with Resource "*".
func policy(actions ...string) string {
	b, _ := json.Marshal(struct {
		Version   string
		Statement []statement
	}{"2012-10-17", []statement{{"Allow", actions, "*"}}})
	return string(b)
}

// sts:GetCallerIdentity needs no permission on AWS; moto agrees, but say
// it anyway so the policies read like real ones.
var (
	policyFull      = policy("s3:*", "kms:*", "sts:*")
	policyNoDecrypt = policy("s3:*", "sts:GetCallerIdentity",
		"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
		"kms:Encrypt", "kms:GetKeyPolicy", "kms:ListAliases", "kms:ListKeys")
	policyNoGenerateDataKey = policy("s3:*", "sts:GetCallerIdentity", "kms:Decrypt", "kms:DescribeKey")
	policyNoPutObject       = policy("kms:*", "sts:GetCallerIdentity",
		"s3:Get*", "s3:List*", "s3:AbortMultipartUpload")
	policyAdmin = policy("*")
)

// seed creates the bucket, keys and users while moto still accepts any
// credentials, then switches IAM enforcement on.
func (s *Stack) seed(ctx context.Context) error {
	seedCreds := User{Name: "seed", AccessKeyID: "AKIASEEDSEEDSEEDSEED", SecretAccessKey: "seed"}
	cfg := s.motoConfig(seedCreds)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	kmsc := kms.NewFromConfig(cfg)
	iamc := iam.NewFromConfig(cfg)

	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(seedBucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	s.Bucket = seedBucket

	main, err := createKey(ctx, kmsc, "uploader test: main key")
	if err != nil {
		return err
	}
	s.KeyARN, s.KeyID = aws.ToString(main.Arn), aws.ToString(main.KeyId)
	if _, err := kmsc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(seedAlias), TargetKeyId: main.KeyId}); err != nil {
		return fmt.Errorf("create alias: %w", err)
	}
	s.Alias = seedAlias

	disabled, err := createKey(ctx, kmsc, "uploader test: disabled key")
	if err != nil {
		return err
	}
	if _, err := kmsc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: disabled.KeyId}); err != nil {
		return fmt.Errorf("disable key: %w", err)
	}
	s.DisabledKeyARN = aws.ToString(disabled.Arn)

	pending, err := createKey(ctx, kmsc, "uploader test: pending-deletion key")
	if err != nil {
		return err
	}
	if _, err := kmsc.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: pending.KeyId, PendingWindowInDays: aws.Int32(7)}); err != nil {
		return fmt.Errorf("schedule key deletion: %w", err)
	}
	s.PendingDeletionKeyARN = aws.ToString(pending.Arn)

	for _, u := range []struct {
		dst    *User
		name   string
		policy string
	}{
		{&s.Admin, "admin", policyAdmin},
		{&s.Full, "full", policyFull},
		{&s.NoDecrypt, "nodecrypt", policyNoDecrypt},
		{&s.NoGenerateDataKey, "nogdk", policyNoGenerateDataKey},
		{&s.NoPutObject, "noput", policyNoPutObject},
		{&s.ViaService, "viaservice", policyFull},
	} {
		made, err := createUser(ctx, iamc, u.name, u.policy)
		if err != nil {
			return err
		}
		*u.dst = made
		s.gate.addUser(made)
	}
	return s.enforceIAM(ctx)
}

func createKey(ctx context.Context, c *kms.Client, desc string) (*kmstypes.KeyMetadata, error) {
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(desc)})
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	return out.KeyMetadata, nil
}

func createUser(ctx context.Context, c *iam.Client, name, doc string) (User, error) {
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", name, err)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{
		UserName: aws.String(name), PolicyName: aws.String("teststack"), PolicyDocument: aws.String(doc),
	}); err != nil {
		return User{}, fmt.Errorf("put policy for %s: %w", name, err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return User{}, fmt.Errorf("create access key for %s: %w", name, err)
	}
	return User{
		Name:            name,
		AccessKeyID:     aws.ToString(k.AccessKey.AccessKeyId),
		SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey),
		ARN:             aws.ToString(u.User.Arn),
	}, nil
}

// enforceIAM tells moto that no more requests go unchecked. The body must
// be text/plain: moto's endpoint crashes on a form-encoded one.
func (s *Stack) enforceIAM(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.MotoEndpoint+"/moto-api/reset-auth", strings.NewReader("0"))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := s.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset-auth: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset-auth: HTTP %d", resp.StatusCode)
	}
	return nil
}
