package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
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

// checkStorageClass refuses a storage class S3 does not have before any
// request, rather than let S3 answer a bare 400 after the preflight; it
// takes any case, as S3 wants it upper-case.
func (o *cpOptions) checkStorageClass() error {
	if o.storageClass == "" {
		return nil
	}
	classes := types.StorageClass("").Values()
	up := types.StorageClass(strings.ToUpper(o.storageClass))
	if !slices.Contains(classes, up) {
		names := make([]string, len(classes))
		for i, c := range classes {
			names[i] = string(c)
		}
		return fmt.Errorf("--storage-class %q is not an S3 storage class: use one of %s", o.storageClass, strings.Join(names, ", "))
	}
	o.storageClass = string(up)
	return nil
}
