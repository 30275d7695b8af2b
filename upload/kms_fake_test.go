package upload

import (
	"context"
	"errors"
	"net/http"
	"sync"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fakeKMS answers the proof's round trip: the data key comes back from
// Decrypt unless a call is denied; it records the calls and the context.
type fakeKMS struct {
	denyGenerate, denyDecrypt bool
	fail                      error // every call fails with it (KMS unreachable)

	mu      sync.Mutex
	calls   []string
	context map[string]string
	keyID   string
}

func kmsDenied(op string) error {
	return &smithy.OperationError{ServiceID: "KMS", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400, Header: http.Header{}}},
			Err:      &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"},
		},
	}}
}

func (k *fakeKMS) record(op string, key *string, ec map[string]string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, op)
	k.context, k.keyID = ec, *key
}

func (k *fakeKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	k.record("GenerateDataKey", in.KeyId, in.EncryptionContext)
	switch {
	case k.fail != nil:
		return nil, k.fail
	case k.denyGenerate:
		return nil, kmsDenied("GenerateDataKey")
	}
	return &kms.GenerateDataKeyOutput{Plaintext: []byte("0123456789abcdef0123456789abcdef"), CiphertextBlob: []byte("blob")}, nil
}

func (k *fakeKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	k.record("Decrypt", in.KeyId, in.EncryptionContext)
	if k.denyDecrypt {
		return nil, kmsDenied("Decrypt")
	}
	if string(in.CiphertextBlob) != "blob" {
		return nil, errors.New("bad blob")
	}
	return &kms.DecryptOutput{Plaintext: []byte("0123456789abcdef0123456789abcdef")}, nil
}

func (k *fakeKMS) callCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.calls)
}
