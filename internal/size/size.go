// Package size parses and formats byte counts the way people write them on
// command lines: 8MiB, 5GB, 100M, 1073741824.
package size

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Binary multiples. S3's limits (5 MiB, 5 GiB) are binary.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
	TiB int64 = 1 << 40
)

var suffixes = []struct {
	s string
	n int64
}{
	// Longest first so "KiB" is not read as "K" + "iB".
	{"kib", KiB}, {"mib", MiB}, {"gib", GiB}, {"tib", TiB},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000}, {"tb", 1000 * 1000 * 1000 * 1000},
	// Single letters follow the aws CLI, which reads them as binary.
	{"k", KiB}, {"m", MiB}, {"g", GiB}, {"t", TiB},
	{"b", 1},
}

// Parse reads a size such as "8MiB", "1.5GiB", "100M" or "1048576".
func Parse(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("empty size: write it as a number with an optional unit, e.g. 8MiB")
	}
	mult := int64(1)
	for _, suf := range suffixes {
		if strings.HasSuffix(t, suf.s) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, suf.s)), suf.n
			break
		}
	}
	if t == "" {
		return 0, fmt.Errorf("size %q has no number: write it as e.g. 8MiB", s)
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("size %q is negative", s)
		}
		if n > math.MaxInt64/mult {
			return 0, fmt.Errorf("size %q is too large", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("size %q is not a number with a unit: write it as e.g. 8MiB, 1.5GiB or 1048576", s)
	}
	if f < 0 {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}

// Format renders n in the largest binary unit that keeps it readable.
func Format(n int64) string {
	switch {
	case n >= TiB:
		return trim(float64(n)/float64(TiB)) + " TiB"
	case n >= GiB:
		return trim(float64(n)/float64(GiB)) + " GiB"
	case n >= MiB:
		return trim(float64(n)/float64(MiB)) + " MiB"
	case n >= KiB:
		return trim(float64(n)/float64(KiB)) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

func trim(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
