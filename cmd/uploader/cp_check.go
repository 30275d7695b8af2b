package main

import (
	"fmt"
	"strings"
)

// uploadOnly refuses an S3 source: cp only uploads, and without this a
// download (`cp s3://b/k ./x`) would be told that a local file named
// "s3://b/k" does not exist.
func uploadOnly(src string) error {
	if !strings.HasPrefix(src, "s3://") {
		return nil
	}
	return fmt.Errorf("the source %s is on S3: uploader cp only uploads (a local file, or - for stdin) to S3; downloads and S3-to-S3 copies are not supported (aws s3 cp does them)", src)
}
