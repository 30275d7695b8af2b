package upload

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// fakeSTS answers GetCallerIdentity with arn, or err.
type fakeSTS struct {
	arn *string
	err error
}

func (f fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &sts.GetCallerIdentityOutput{Arn: f.arn, Account: aws.String("111122223333")}, nil
}

func TestLookupPrincipal(t *testing.T) {
	tests := []struct {
		name    string
		sts     fakeSTS
		want    string
		wantErr bool
	}{
		{"user", fakeSTS{arn: aws.String("arn:aws:iam::111122223333:user/backup")}, "arn:aws:iam::111122223333:user/backup", false},
		{"assumed role: the role", fakeSTS{arn: aws.String("arn:aws:sts::111122223333:assumed-role/Backup/i-0abc")}, "arn:aws:iam::111122223333:role/Backup", false},
		{"other partition", fakeSTS{arn: aws.String("arn:aws-cn:sts::111122223333:assumed-role/R/s")}, "arn:aws-cn:iam::111122223333:role/R", false},
		{"no ARN", fakeSTS{}, "", true},
		{"STS fails", fakeSTS{err: errors.New("no credentials")}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LookupPrincipal(context.Background(), tt.sts)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("LookupPrincipal = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			if tt.sts.err != nil && !errors.Is(err, tt.sts.err) {
				t.Errorf("error %v does not wrap STS's", err)
			}
		})
	}
}
