package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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
	// With two arguments the word is the directory: a set of ./content.
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"content", "sync"} {
		if err := os.Mkdir(name, 0o700); err != nil {
			t.Fatal(err)
		}
		root := newRootCmd()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs([]string{"cp", name, "s3://my-bucket/p/", "--recursive", "--skip-existing", "--dryrun"})
		if err := root.Execute(); err != nil {
			t.Errorf("a directory named %s: %v, want the set's dry run", name, err)
		}
	}
}
