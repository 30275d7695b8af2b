package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseAge reads --older-than: a number with a unit of d (days), h, m or
// s, or any Go duration ("36h30m"). 0 (with a unit or without) means every
// upload, whatever its age: the way to clear a prefix.
func parseAge(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(t, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err == nil && days >= 0 && days < 100*365 {
			return time.Duration(days * float64(24*time.Hour)), nil
		}
	} else if d, err := time.ParseDuration(t); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("--older-than %q: write an age such as 7d, 12h or 90m (0 for all)", s)
}
