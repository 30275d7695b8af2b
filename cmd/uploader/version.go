package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func newVersionCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sdk := "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, d := range bi.Deps {
					if d.Path == "github.com/aws/aws-sdk-go-v2/service/s3" {
						sdk = d.Version
					}
				}
			}
			fmt.Fprintf(g.stdout, "uploader %s (%s, %s/%s, aws-sdk-go-v2/service/s3 %s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, sdk)
			return nil
		},
	}
}
