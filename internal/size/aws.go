package size

import (
	"fmt"
	"math/big"
	"strings"
)

// awsSuffixes are the units the aws CLI's human_readable_to_bytes knows.
// Unlike Parse, KB/MB/GB/TB are binary there (1MB = 1048576 bytes): a value
// copied from ~/.aws/config must mean what it means to the aws CLI.
// Longest first so "mib" is not read as "ib" after "m".
var awsSuffixes = []struct {
	s string
	n int64
}{
	{"kib", KiB}, {"mib", MiB}, {"gib", GiB}, {"tib", TiB},
	{"kb", KiB}, {"mb", MiB}, {"gb", GiB}, {"tb", TiB},
	// The aws CLI has no "B" unit ("1024B" fails there); accepting it as
	// bytes is harmless and makes "1000B/s" a rate.
	{"b", 1},
}

// AWSSizeForms describes what ParseAWSSize accepts, for error messages.
const AWSSizeForms = "bytes (8388608) or a number with KB, MB, GB or TB (binary, as the aws CLI: 8MB = 8388608 bytes; KiB, MiB, ... are the same), e.g. 8MB or 1.5GB"

// AWSRateForms describes what ParseAWSRate accepts, for error messages.
const AWSRateForms = "bytes per second written as a size followed by B/s, e.g. 50MB/s, 800KB/s or 1000B/s (binary units, as the aws CLI: 1MB/s = 1048576 bytes per second)"

// ParseAWSSize reads a size the way the aws CLI reads multipart_threshold
// and multipart_chunksize: a plain integer is bytes; KB, MB, GB, TB and
// KiB, MiB, GiB, TiB (any case) are all powers of 1024. Beyond the aws CLI
// it accepts decimal fractions of a unit ("1.5GB", rounded down to a whole
// byte) and a "B" unit. Single-letter units ("8M") are rejected, as the aws
// CLI rejects them, so a config file means the same to both tools.
func ParseAWSSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("empty size: write %s", AWSSizeForms)
	}
	mult := int64(1)
	unit := false
	for _, suf := range awsSuffixes {
		if strings.HasSuffix(t, suf.s) {
			t, mult, unit = strings.TrimSpace(strings.TrimSuffix(t, suf.s)), suf.n, true
			break
		}
	}
	if t == "" {
		return 0, fmt.Errorf("size %q has no number: write %s", s, AWSSizeForms)
	}
	t = strings.TrimPrefix(t, "+") // Python's int() takes "+8"
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("size %q is negative: write %s", s, AWSSizeForms)
	}
	if !isDecimal(t) {
		return 0, fmt.Errorf("size %q is not a number with a unit: write %s", s, AWSSizeForms)
	}
	if !unit && strings.Contains(t, ".") {
		return 0, fmt.Errorf("size %q is a fraction of a byte: write whole bytes or use a unit, e.g. 1.5MB", s)
	}
	// Exact arithmetic: 4.35MB must not become 4561305.599999 and round
	// down a byte short. isDecimal ruled out exponents, so SetString cannot
	// be made to build a huge number from a short string.
	r, ok := new(big.Rat).SetString(t)
	if !ok {
		return 0, fmt.Errorf("size %q is not a number with a unit: write %s", s, AWSSizeForms)
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	n := new(big.Int).Quo(r.Num(), r.Denom()) // both positive: truncation is floor
	if !n.IsInt64() {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n.Int64(), nil
}

// ParseAWSRate reads a bandwidth the way the aws CLI reads max_bandwidth:
// a size (see ParseAWSSize) followed by "B/s", e.g. "50MB/s", in bytes per
// second. As in the aws CLI the "B/s" is case-sensitive: a lowercase "b/s"
// reads as bits elsewhere (the aws CLI's target_bandwidth), and guessing
// would be off by a factor of eight. A bare number is rejected, as the aws
// CLI rejects it, rather than guessed to be bytes per second.
func ParseAWSRate(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if !strings.HasSuffix(t, "B/s") {
		if l := strings.ToLower(t); strings.HasSuffix(l, "b/s") {
			return 0, fmt.Errorf("rate %q: write the unit as exactly B/s (bytes per second; b/s would be bits): %s", s, AWSRateForms)
		}
		return 0, fmt.Errorf("rate %q is not a rate per second: write %s", s, AWSRateForms)
	}
	// Strip only "/s": "50MB" and "1000B" remain, as the aws CLI strips it.
	n, err := ParseAWSSize(strings.TrimSuffix(t, "/s"))
	if err != nil {
		return 0, fmt.Errorf("rate %q is not a rate per second: write %s", s, AWSRateForms)
	}
	return n, nil
}

// isDecimal reports whether s is digits with at most one '.', and at least
// one digit: "8", "1.5", ".5", "5.".
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}
