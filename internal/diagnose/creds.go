package diagnose

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"

	"github.com/uploader-dev/uploader/internal/awshost"
)

// The SDK reports a failed credential lookup with fmt-wrapped errors and no
// type of its own ("operation error S3: PutObject, get identity: get
// credentials: failed to refresh cached credentials, no EC2 IMDS role found,
// ..."), so these SDK-authored wrapper texts are what we can match on. They
// are the SDK's words, not a service's message.
var credentialWrappers = []string{
	"get identity: ",                       // smithy auth middleware, every service client
	"failed to retrieve credentials",       // v4 signer middleware, stscreds
	"failed to refresh cached credentials", // aws.CredentialsCache
	"no EC2 IMDS role found",
	"AnonymousCredentials is not a valid credential provider",
}

// credentialFailure reports that no request was sent because the credential
// chain failed (missing, expired SSO session, failed AssumeRole, ...).
func credentialFailure(err error) bool {
	var it *ssocreds.InvalidTokenError
	if errors.As(err, &it) {
		return true
	}
	s := err.Error()
	for _, w := range credentialWrappers {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Codes with which a service rejects credentials that have expired.
var expiredCodes = map[string]bool{
	"ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true,
	"TokenRefreshRequired": true, "TokenRefreshRequiredException": true,
}

// Codes with which a service rejects credentials it does not recognise:
// credentials_invalid, as are the codes of a refused signature
// (awshost.SignatureRefused). The unsigned-request ones,
// MissingAuthenticationToken*, mean no credentials: credentials_missing.
var invalidCodes = map[string]bool{
	"InvalidAccessKeyId": true, "InvalidClientTokenId": true,
	"UnrecognizedClientException": true, "InvalidToken": true,
	"MissingAuthenticationToken": true, "MissingAuthenticationTokenException": true,
}

// credentialsRefused reports a code that says the credentials, or the
// signature made with them, were refused.
func credentialsRefused(code string) bool {
	return invalidCodes[code] || awshost.SignatureRefused(code)
}

// expiredCredentialFailure reports a credential-chain failure caused by
// expiry: an expired SSO session, or an STS call in the chain answering
// ExpiredToken.
func expiredCredentialFailure(err error) bool {
	var it *ssocreds.InvalidTokenError
	if errors.As(err, &it) {
		return true
	}
	if expiredCodes[ErrorCode(err)] {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "SSO token is expired") || strings.Contains(s, "SSO session has expired")
}

// skewCodes are answers to a request signed at a time too far from the
// server's. S3 says RequestTimeTooSkewed; KMS and STS say
// InvalidSignatureException / SignatureDoesNotMatch with "Signature
// expired" or "Signature not yet current" in the message.
func clockSkew(f facts) bool {
	if f.code == "RequestTimeTooSkewed" {
		return true
	}
	if f.code != "InvalidSignatureException" && f.code != "SignatureDoesNotMatch" && f.code != "AuthFailure" {
		return false
	}
	m := strings.ToLower(f.msg)
	return strings.Contains(m, "signature expired") || strings.Contains(m, "signature not yet current")
}
