package main

import (
	"errors"
	"strings"
	"testing"
)

// "--skip-existing content" (a space, not '=') is a usage error that
// names --skip-existing=content, wherever the word lands among the
// arguments, before any file is read or request sent.
func TestSkipExistingSpacedValue(t *testing.T) {
	for _, args := range [][]string{
		{"cp", "dir", "s3://b/p/", "--recursive", "--skip-existing", "content"},
		{"cp", "--recursive", "--skip-existing", "content", "dir", "s3://b/p/"},
		{"cp", "dir", "--skip-existing", "sync", "s3://b/p/", "--recursive"},
	} {
		root := newRootCmd()
		root.SetArgs(args)
		err := root.Execute()
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--skip-existing=") || strings.Contains(err.Error(), "got 3") {
			t.Errorf("%q: %v, want a usage error naming --skip-existing=VALUE", args, err)
		}
	}
}
