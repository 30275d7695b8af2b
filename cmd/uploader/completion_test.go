package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete command, as a shell's completion
// script does, and returns the values offered (the last line, the
// directive, dropped).
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetArgs(append([]string{"__complete"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("__complete %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Fatalf("__complete %v: no directive line in %q", args, out.String())
	}
	var vals []string
	for _, l := range lines[:len(lines)-1] {
		vals = append(vals, strings.SplitN(l, "\t", 2)[0])
	}
	return vals
}

func TestFlagValueCompletion(t *testing.T) {
	want := map[string][]string{
		"--sse":                  {"aws:kms", "aws:kms:dsse", "AES256"},
		"--checksum-algorithm":   {"CRC64NVME", "CRC32", "CRC32C", "SHA256", "SHA1"},
		"--storage-class":        {"STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "DEEP_ARCHIVE"},
		"--acl":                  {"private", "public-read", "bucket-owner-full-control"},
		"--checksum-calculation": {"when_supported", "when_required"},
	}
	// preflight takes the same flags as cp, so it completes them too.
	for _, cmd := range []string{"cp", "preflight"} {
		for flag, values := range want {
			got := complete(t, cmd, flag, "")
			for _, v := range values {
				if !slices.Contains(got, v) {
					t.Errorf("%s %s: %q not offered; got %v", cmd, flag, v, got)
				}
			}
		}
	}
	// --skip-existing takes its value after '=' (it has a default).
	if got := complete(t, "cp", "--skip-existing=c"); !slices.Equal(got, []string{"content"}) {
		t.Errorf("cp --skip-existing=c: got %v", got)
	}
	// A prefix narrows the list, as the shell shows it.
	if got := complete(t, "cp", "--checksum-calculation", "when_r"); !slices.Equal(got, []string{"when_required"}) {
		t.Errorf("cp --checksum-calculation when_r: got %v", got)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 requests", 1: "1 request", 2: "2 requests"} {
		if got := plural(n, "request"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPreflightTakesCpObjectFlags: preflight and cp define the object
// flags once; each of cp's is preflight's too.
func TestPreflightTakesCpObjectFlags(t *testing.T) {
	g := &globalOptions{}
	cp, pf := newCpCmd(g), newPreflightCmd(g)
	for _, name := range []string{"sse", "sse-kms-key-id", "sse-kms-context", "bucket-key-enabled", "acl", "tagging", "storage-class",
		"metadata", "content-type", "cache-control", "content-disposition", "content-encoding", "checksum-algorithm", "checksum-calculation"} {
		if cp.Flags().Lookup(name) == nil || pf.Flags().Lookup(name) == nil {
			t.Errorf("--%s: cp has it %v, preflight %v", name, cp.Flags().Lookup(name) != nil, pf.Flags().Lookup(name) != nil)
		}
	}
}
