//go:build !unix

package main

import (
	"os"
	"time"
)

var aLongTimeAgo = time.Unix(1, 0)

// pollableStdin: not on this system; the goroutine reader is used instead.
func pollableStdin() (*os.File, func(), bool) { return nil, nil, false }
