package main

import (
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3" (make
// build does, from git describe). When set it wins over the build info.
var version = "dev"

func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(g.stdout, versionText())
			return nil
		},
	}
}

// versionText is what `uploader version` and `uploader --version` print.
func versionText() string {
	bi, _ := debug.ReadBuildInfo()
	return describeVersion(version, bi, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
}

var (
	// releaseVersion is a tag: v1.2.3, v1.2.3-rc.1 (not a Go
	// pseudo-version, not git describe's "-N-gHASH" or "-dirty").
	releaseVersion = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$`)
	pseudoVersion  = regexp.MustCompile(`\d{14}-[0-9a-f]{12}$`)
	// describeHash is git describe's --always output without a tag.
	describeHash = regexp.MustCompile(`^([0-9a-f]{7,40})(-dirty)?$`)
	// describeAfter is git describe's output after a tag.
	describeAfter = regexp.MustCompile(`^(v.+)-(\d+)-g([0-9a-f]{7,40})(-dirty)?$`)
)

// describeVersion names the build. A release says its version, as `go
// install ...@v1.2.3` or `make build` on a tag make it: "uploader v1.2.3
// (...)". Anything else is a development build and says so, with the
// commit it was built from: "uploader devel (commit 9ea19a7c0ffe, 2026-11-29;
// ...)". The commit comes from the VCS stamp of the build info, else from
// the ldflags version (make build passes git describe, a bare hash in a
// clone without tags); then the Go version, platform and S3 SDK.
func describeVersion(ldflags string, bi *debug.BuildInfo, goVersion, platform string) string {
	v := ""
	if ldflags != "dev" {
		v = ldflags
	}
	rev, date, sdk := "", "", "unknown"
	if bi != nil {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			case "vcs.time":
				date, _, _ = strings.Cut(s.Value, "T")
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && modified {
			rev += "+dirty"
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/aws/aws-sdk-go-v2/service/s3" {
				sdk = d.Version
			}
		}
	}
	after := ""
	if m := describeHash.FindStringSubmatch(v); m != nil {
		if rev == "" {
			rev = m[1] + strings.Replace(m[2], "-", "+", 1)
		}
		v = ""
	} else if m := describeAfter.FindStringSubmatch(v); m != nil {
		if rev == "" {
			rev = m[3] + strings.Replace(m[4], "-", "+", 1)
		}
		after = m[2] + " commits after " + m[1]
		v = ""
	}
	release := releaseVersion.MatchString(v) && !pseudoVersion.MatchString(v) && !strings.HasSuffix(v, "-dirty")
	details := fmt.Sprintf("%s, %s, aws-sdk-go-v2/service/s3 %s", goVersion, platform, sdk)
	if release {
		if rev != "" {
			details = "commit " + rev + ", " + details
		}
		return fmt.Sprintf("uploader %s (%s)", v, details)
	}
	// A development build: what it was built from.
	from := "commit unknown"
	if rev != "" {
		from = "commit " + rev
	}
	if date != "" {
		from += ", " + date
	}
	if after != "" {
		from += ", " + after
	}
	if v != "" && !pseudoVersion.MatchString(v) {
		from = v + ", " + from // a version that is not a release, e.g. v1.2.3-dirty
	}
	return fmt.Sprintf("uploader devel (%s; %s)", from, details)
}
