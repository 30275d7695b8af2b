package diagnose

import (
	"regexp"
	"strings"
)

// RoleARN maps an STS assumed-role session ARN
// (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION) to the role's IAM ARN
// (arn:aws:iam::ACCT:role/ROLE), which is what policies must name: a session
// ARN changes with every session. The session ARN carries only the role's
// name, not its path, so a role created with a path (/service-role/...) comes
// back without it; IAM accepts the path-less ARN in a policy Principal only
// if the path is "/". Other ARNs are returned unchanged.
func RoleARN(principalARN string) string {
	parts := strings.SplitN(principalARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sts" {
		return principalARN
	}
	res := strings.Split(parts[5], "/")
	if len(res) < 2 || res[0] != "assumed-role" || res[1] == "" {
		return principalARN
	}
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + res[1]
}

// AccountOf returns the account id field of an ARN, "" when arn is not one
// (key ids and aliases have no account: they resolve in the caller's).
func AccountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// regionOf returns the region field of an ARN, "" when there is none.
func regionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

func isARN(s string) bool { return strings.HasPrefix(s, "arn:") }

// isKMSKeyARN tells a key ARN from an alias ARN or anything else.
func isKMSKeyARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "kms" && strings.HasPrefix(parts[5], "key/")
}

// enhanced is what AWS's "enhanced" access-denied message says. Since 2024
// same-account callers get it; cross-account callers still get a bare
// "Access Denied", so nothing may depend on it being there.
type enhanced struct {
	Principal string // the caller as AWS evaluated it (session ARN for roles)
	Action    string // e.g. "kms:Decrypt"
	Resource  string // e.g. the key ARN
	Reason    string // "no identity-based policy allows ...", "... explicit deny in a service control policy", ...
}

// The resource may be quoted (S3 quotes it) and the reason is optional.
var enhancedRE = regexp.MustCompile(`User: (\S+) is not authorized to perform: ([A-Za-z0-9-]+:[A-Za-z0-9*]+)(?: on resource: "?([^"\s]+?)"?)?(?: (?:because|with) ([^.]+))?\.?(?:\s|$)`)

func parseEnhanced(msg string) *enhanced {
	m := enhancedRE.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	return &enhanced{Principal: m[1], Action: m[2], Resource: strings.TrimRight(m[3], ".,;"), Reason: strings.TrimSpace(m[4])}
}

// explicitDeny reports whether AWS said the denial comes from a Deny
// statement: then adding Allow statements cannot fix it.
func (e *enhanced) explicitDeny() bool {
	return e != nil && strings.Contains(e.Reason, "explicit deny")
}

// invalidArnRegionRE matches S3's "Invalid arn us-west-2" for a key ARN of
// another region (recorded against real AWS in LocalStack's snapshots).
var invalidArnRegionRE = regexp.MustCompile(`Invalid arn ([a-z]{2}(?:-[a-z]+)+-\d+)`)

// regionInMessageRE pulls the expected region out of
// AuthorizationHeaderMalformed ("... the region 'us-east-1' is wrong;
// expecting 'eu-west-1'") and similar messages.
var regionInMessageRE = regexp.MustCompile(`expecting '([a-z0-9-]+)'`)

// PartitionOf returns the partition field of an ARN ("aws", "aws-cn",
// "aws-us-gov"), "" when arn is not one.
func PartitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	return parts[1]
}
