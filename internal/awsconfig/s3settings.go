package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
)

// S3Settings are the transfer settings of a profile's nested `s3` block in
// the shared config file, the block the aws CLI's `aws s3` commands read:
//
//	[profile backup]
//	s3 =
//	  multipart_threshold = 64MB
//	  multipart_chunksize = 16MB
//	  max_concurrent_requests = 20
//	  max_bandwidth = 50MB/s
//
// Zero means unset. Values are as written: the aws CLI (s3transfer) later
// clamps a chunk size to S3's 5 MiB..5 GiB and grows it to fit 10,000
// parts; that is the caller's plan to make, not this file's.
type S3Settings struct {
	MultipartThreshold    int64 // bytes
	MultipartChunksize    int64 // bytes
	MaxConcurrentRequests int
	MaxBandwidth          int64 // bytes per second
	// Source names where the settings came from, for messages:
	// "~/.aws/config [profile x]". "" when the profile was not found.
	Source string
}

// LoadS3Settings reads the s3 block of profile ("" = AWS_PROFILE, else
// "default") from AWS_CONFIG_FILE, else ~/.aws/config. A missing file,
// profile or block gives zero settings and no error: the aws CLI runs
// without them too. A value the aws CLI would refuse is an error naming the
// file, the profile, the key and the forms accepted.
//
// AWS_DEFAULT_PROFILE (which the aws CLI also reads) is ignored: the SDK,
// which resolves our credentials, does not read it, and the settings must
// come from the profile the credentials come from.
func LoadS3Settings(profile string) (S3Settings, error) {
	if profile == "" {
		profile = os.Getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	path, shown := configPath()
	if path == "" {
		return S3Settings{}, nil // no home directory: no config file either
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return S3Settings{}, nil
	}
	if err != nil {
		return S3Settings{}, fmt.Errorf("reading the AWS config file: %w", err)
	}
	return parseS3Settings(data, profile, shown)
}

// configPath returns the config file's path and how to show it: the
// variable's value as the user wrote it, or "~/.aws/config".
func configPath() (path, shown string) {
	if p := os.Getenv("AWS_CONFIG_FILE"); p != "" {
		return expandHome(p), p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", ""
	}
	return filepath.Join(home, ".aws", "config"), "~/.aws/config"
}

// expandHome expands a leading ~/, as botocore does for AWS_CONFIG_FILE.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// iniOption is one option of a section: the value on its own line, and the
// indented continuation lines that follow it (a nested block's lines).
type iniOption struct {
	first string
	more  []string
}

// parseS3Settings parses a config file the way Python's configparser (used
// by botocore) does, as far as the s3 block depends on it: full-line
// comments start with # or ; (also indented), there are no inline
// comments, option names are case-insensitive and end at the first = or :,
// and a line indented deeper than its option continues that option's value.
// Lines the aws CLI would reject elsewhere in the file are ignored: other
// profiles are not ours to validate.
func parseS3Settings(data []byte, profile, file string) (S3Settings, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM from Windows editors
	var (
		header    string // the current section's header, as written
		inProfile bool   // the current section is the profile's
		found     string // header of the profile's last section seen
		s3        *iniOption
		opt       *iniOption // the option continuation lines belong to
		indent    int        // the indentation of opt's line
	)
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' {
			// Blank lines stay inside a value in configparser, and comment
			// lines neither end nor join it.
			continue
		}
		ind := len(line) - len(strings.TrimLeft(line, " \t\v\f"))
		if opt != nil && ind > indent {
			opt.more = append(opt.more, t)
			continue
		}
		opt, indent = nil, ind
		if t[0] == '[' {
			if end := strings.LastIndexByte(t, ']'); end > 0 {
				header = t[1:end]
				inProfile = sectionIsProfile(header, profile)
				if inProfile {
					found = header
				}
				continue
			}
		}
		if header == "" {
			continue // before any section: configparser refuses the file
		}
		i := strings.IndexAny(t, "=:")
		if i < 0 {
			continue
		}
		o := &iniOption{first: strings.TrimSpace(t[i+1:])}
		opt = o
		if inProfile && strings.ToLower(strings.TrimSpace(t[:i])) == "s3" {
			s3 = o // a later s3 option replaces an earlier one
		}
	}
	if found == "" {
		return S3Settings{}, nil
	}
	src := file + " [" + found + "]"
	st := S3Settings{Source: src}
	if s3 == nil {
		return st, nil
	}
	if s3.first != "" {
		return S3Settings{}, fmt.Errorf("%s: s3 = %q is not a nested block: write `s3 =` alone on its line, followed by indented lines such as `  multipart_chunksize = 16MB`", src, s3.first)
	}
	for _, l := range s3.more {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return S3Settings{}, fmt.Errorf("%s: line %q of the s3 block is not `key = value`", src, l)
		}
		// Keys are case-sensitive inside the block, as botocore keeps them.
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if err := st.set(k, v); err != nil {
			hint := ""
			if strings.Contains(v, "#") || strings.Contains(v, ";") {
				hint = " (comments must be on their own line: the aws CLI reads the rest of the line as the value)"
			}
			return S3Settings{}, fmt.Errorf("%s: s3.%s = %q: %v%s", src, k, v, err, hint)
		}
	}
	return st, nil
}

// set stores one key of the block; keys we do not use are ignored, as the
// aws CLI ignores keys it does not know.
func (s *S3Settings) set(k, v string) error {
	var err error
	switch k {
	case "multipart_threshold":
		s.MultipartThreshold, err = positive(size.ParseAWSSize(v))
	case "multipart_chunksize":
		s.MultipartChunksize, err = positive(size.ParseAWSSize(v))
	case "max_bandwidth":
		s.MaxBandwidth, err = positive(size.ParseAWSRate(v))
	case "max_concurrent_requests":
		var n int
		n, err = strconv.Atoi(v)
		switch {
		case err != nil:
			err = errors.New("not a whole number: write a positive integer, e.g. 10")
		case n <= 0:
			err = errors.New("must be a positive integer, e.g. 10")
		}
		s.MaxConcurrentRequests = n
	}
	return err
}

// positive rejects 0, as the aws CLI does ("must be a positive integer"):
// a 0 would otherwise read as "unset" here and silently mean the default.
func positive(n int64, err error) (int64, error) {
	if err == nil && n <= 0 {
		err = errors.New("must be greater than zero")
	}
	return n, err
}

// sectionIsProfile reports whether a section header names profile:
// [profile NAME], or [default] for the default profile (which botocore also
// accepts as [profile default]). NAME may be quoted, as botocore splits the
// header like a shell.
func sectionIsProfile(header, profile string) bool {
	h := strings.TrimSpace(header)
	if h == "default" {
		return profile == "default"
	}
	rest, ok := strings.CutPrefix(h, "profile")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return false
	}
	name := strings.TrimSpace(rest)
	if len(name) >= 2 && (name[0] == '"' || name[0] == '\'') && name[len(name)-1] == name[0] {
		name = name[1 : len(name)-1]
	}
	return name == profile
}
