package netpolicy

import (
	"testing"
	"time"
)

func TestEffective(t *testing.T) {
	const def = 30 * time.Second
	for _, tc := range []struct{ in, want time.Duration }{
		{0, def},
		{-1, 0},
		{-time.Hour, 0},
		{time.Second, time.Second},
	} {
		if got := Effective(tc.in, def); got != tc.want {
			t.Errorf("Effective(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
