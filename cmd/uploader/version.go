package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

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

// describeVersion names the build: the ldflags version when set, else the
// module version the Go toolchain recorded (`go install ...@v1.2.3`
// records v1.2.3; a go build in a git checkout, a pseudo-version), else
// "dev"; then the VCS revision when the build info has one, so that a
// build from a checkout can be traced to its commit.
func describeVersion(ldflags string, bi *debug.BuildInfo, goVersion, platform string) string {
	v := ldflags
	rev, sdk := "", "unknown"
	if bi != nil {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
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
	details := fmt.Sprintf("%s, %s, aws-sdk-go-v2/service/s3 %s", goVersion, platform, sdk)
	if rev != "" {
		details = "commit " + rev + ", " + details
	}
	return fmt.Sprintf("uploader %s (%s)", v, details)
}
