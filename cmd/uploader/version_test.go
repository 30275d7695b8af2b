package main

import (
	"runtime/debug"
	"testing"
)

func TestDescribeVersion(t *testing.T) {
	deps := []*debug.Module{{Path: "github.com/aws/aws-sdk-go-v2/service/s3", Version: "v1.114.10"}}
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "9ea19a7c0ffee0123456789abcdef0123456789a"}, {Key: "vcs.time", Value: "2026-11-29T15:49:00Z"}, {Key: "vcs.modified", Value: "false"}}
	dirty := []debug.BuildSetting{{Key: "vcs.revision", Value: "9ea19a7c0ffee0123456789abcdef0123456789a"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"go install @version", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Deps: deps},
			"uploader v1.2.3 (go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"go build in a checkout", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129154900-9ea19a7c0ffe"}, Deps: deps, Settings: vcs},
			"uploader devel (commit 9ea19a7c0ffe, 2026-11-29; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"uncommitted changes", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps, Settings: dirty},
			"uploader devel (commit 9ea19a7c0ffe+dirty; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		// make build passes git describe --tags --always --dirty.
		{"make build in a clone without tags", "888878e", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps},
			"uploader devel (commit 888878e; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"make build, uncommitted changes", "888878e-dirty", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps},
			"uploader devel (commit 888878e+dirty; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"make build after a tag", "v1.2.3-4-g888878e", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps},
			"uploader devel (commit 888878e, 4 commits after v1.2.3; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"make build on a tag", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps},
			"uploader v1.2.3 (go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"on a tag, uncommitted changes", "v1.2.3-dirty", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Deps: deps},
			"uploader devel (v1.2.3-dirty, commit unknown; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"ldflags win", "v2.0.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Deps: deps, Settings: vcs},
			"uploader v2.0.0 (commit 9ea19a7c0ffe, go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 v1.114.10)"},
		{"no build info", "dev", nil,
			"uploader devel (commit unknown; go1.26.8, linux/amd64, aws-sdk-go-v2/service/s3 unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describeVersion(tt.ldflags, tt.bi, "go1.26.8", "linux/amd64"); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
