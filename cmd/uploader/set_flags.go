package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/tree"
)

// setFlags are cp's flags for a directory (--recursive), named as the aws
// CLI names them.
type setFlags struct {
	recursive        bool
	rules            []tree.Rule // --include and --exclude, in command-line order
	followSymlinks   bool
	noFollowSymlinks bool
	skipExisting     string // "", "sync" or "content"
}

func (s *setFlags) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&s.recursive, "recursive", "r", false, "upload the files of a directory, each to PREFIX + its path relative to the directory")
	f.Var(&ruleFlag{rules: &s.rules}, "include", "with --recursive: include the files matching this pattern (repeatable; the last --include/--exclude that matches wins)")
	f.Var(&ruleFlag{rules: &s.rules, exclude: true}, "exclude", "with --recursive: exclude the files matching this pattern, e.g. '*.tmp' or 'cache/*' (repeatable; the last match wins)")
	f.BoolVar(&s.followSymlinks, "follow-symlinks", false, "with --recursive: follow symlinks to files and directories (the default)")
	f.BoolVar(&s.noFollowSymlinks, "no-follow-symlinks", false, "with --recursive: leave symlinks out")
	f.StringVar(&s.skipExisting, "skip-existing", "", "with --recursive: skip the files already uploaded. --skip-existing (=sync): the aws s3 sync rule, from one listing of the prefix: same size and the object not older than the file; --skip-existing=content: also HeadObject each file of the same size and compare its encryption and full-object checksum (the file is read)")
	f.Lookup("skip-existing").NoOptDefVal = "sync"
	completeValues(cmd, "skip-existing", "sync", "content")
}

// skipMode is --skip-existing as the set's SkipMode.
func (s *setFlags) skipMode() (tree.SkipMode, error) {
	switch s.skipExisting {
	case "":
		return tree.SkipNone, nil
	case "sync":
		return tree.SkipSync, nil
	case "content":
		return tree.SkipContent, nil
	}
	return tree.SkipNone, fmt.Errorf("--skip-existing=%s: give --skip-existing (the sync rule: size and time, from one listing) or --skip-existing=content (also compares encryption and checksum, a HeadObject per file of the same size)", s.skipExisting)
}

// spacedValue catches --skip-existing given its value after a space
// ("--skip-existing content"): the value is optional, so pflag takes the
// flag alone (the sync rule) and the word becomes an argument. Said as
// such, not as a count of arguments.
func (s *setFlags) spacedValue(cmd *cobra.Command, args []string) error {
	f := cmd.Flags().Lookup("skip-existing")
	if f == nil || !f.Changed || s.skipExisting != f.NoOptDefVal || len(args) == 2 {
		return nil // two arguments: a directory named content or sync is just that
	}
	for _, a := range args {
		if a == "content" || a == "sync" {
			return usagef(fmt.Errorf("--skip-existing takes its value after '=': give --skip-existing=%s (with a space, %q is read as a third argument)", a, a))
		}
	}
	return nil
}

// check refuses the set flags without --recursive, and contradictions.
func (s *setFlags) check(cmd *cobra.Command) error {
	f := cmd.Flags()
	if !s.recursive {
		for _, name := range []string{"include", "exclude", "follow-symlinks", "no-follow-symlinks", "skip-existing"} {
			if f.Changed(name) {
				return usagef(fmt.Errorf("--%s works with --recursive, for a directory: add --recursive, or drop --%s", name, name))
			}
		}
		return nil
	}
	if _, err := s.skipMode(); err != nil {
		return usagef(err)
	}
	if s.followSymlinks && s.noFollowSymlinks {
		return usagef(errors.New("--follow-symlinks and --no-follow-symlinks exclude each other: give one (following is the default)"))
	}
	return nil
}

// ruleFlag is --include or --exclude. Both append to one list, so the
// rules keep the order they were given in, which decides the outcome.
type ruleFlag struct {
	rules   *[]tree.Rule
	exclude bool
}

func (r *ruleFlag) Set(pattern string) error {
	if pattern == "" {
		return errors.New("empty pattern: give one such as '*.log' or 'cache/*'")
	}
	rule := tree.Include(pattern)
	if r.exclude {
		rule = tree.Exclude(pattern)
	}
	*r.rules = append(*r.rules, rule)
	return nil
}

func (r *ruleFlag) String() string {
	var ps []string
	for _, rule := range *r.rules {
		if rule.Exclude == r.exclude {
			ps = append(ps, rule.Pattern.String())
		}
	}
	return strings.Join(ps, ",")
}

func (r *ruleFlag) Type() string { return "pattern" }
