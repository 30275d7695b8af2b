package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/walk"
)

// setFlags are cp's flags for a directory (--recursive), named as the aws
// CLI names them.
type setFlags struct {
	recursive        bool
	rules            []walk.Rule // --include and --exclude, in command-line order
	followSymlinks   bool
	noFollowSymlinks bool
	skipExisting     bool
}

func (s *setFlags) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&s.recursive, "recursive", "r", false, "upload the files of a directory, each to PREFIX + its path relative to the directory")
	f.Var(&ruleFlag{rules: &s.rules}, "include", "with --recursive: include the files matching this pattern (repeatable; the last --include/--exclude that matches wins)")
	f.Var(&ruleFlag{rules: &s.rules, exclude: true}, "exclude", "with --recursive: exclude the files matching this pattern, e.g. '*.tmp' or 'cache/*' (repeatable; the last match wins)")
	f.BoolVar(&s.followSymlinks, "follow-symlinks", false, "with --recursive: follow symlinks to files and directories (the default)")
	f.BoolVar(&s.noFollowSymlinks, "no-follow-symlinks", false, "with --recursive: leave symlinks out")
	f.BoolVar(&s.skipExisting, "skip-existing", false, "with --recursive: skip a file whose object already exists whole (same size, and the same checksum or, when S3 reports none, stored after the file last changed)")
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
	if s.followSymlinks && s.noFollowSymlinks {
		return usagef(errors.New("--follow-symlinks and --no-follow-symlinks exclude each other: give one (following is the default)"))
	}
	return nil
}

// ruleFlag is --include or --exclude. Both append to one list, so the
// rules keep the order they were given in, which decides the outcome.
type ruleFlag struct {
	rules   *[]walk.Rule
	exclude bool
}

func (r *ruleFlag) Set(pattern string) error {
	if pattern == "" {
		return errors.New("empty pattern: give one such as '*.log' or 'cache/*'")
	}
	rule := walk.Include(pattern)
	if r.exclude {
		rule = walk.Exclude(pattern)
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
