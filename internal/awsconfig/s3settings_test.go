package awsconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uploader-dev/uploader/internal/size"
)

const sampleConfig = `# shared config
[default]
region = eu-west-1
s3 =
  multipart_threshold = 64MB
  multipart_chunksize = 16MB
  max_concurrent_requests = 20
  max_bandwidth = 50MB/s
output = json

; a named profile with other keys around its block
[profile backup]
region=us-east-1
S3 =
    # a comment inside the block
    max_concurrent_requests = 4
    ; and another

    multipart_chunksize = 1.5GB
    addressing_style = path
cli_pager =

[profile "with space"]
s3 =
	multipart_threshold = 1048576

[profile noblock]
region = us-west-2

[backup]
s3 =
  max_concurrent_requests = 99
`

func TestLoadS3Settings(t *testing.T) {
	tests := []struct {
		name    string
		config  string // "" = no file
		profile string
		env     string // AWS_PROFILE
		want    S3Settings
		wantErr []string // substrings of the error
	}{
		{name: "default profile", config: sampleConfig, want: S3Settings{
			MultipartThreshold: 64 * size.MiB, MultipartChunksize: 16 * size.MiB,
			MaxConcurrentRequests: 20, MaxBandwidth: 50 * size.MiB, Source: "CFG [default]",
		}},
		{name: "named profile", config: sampleConfig, profile: "backup", want: S3Settings{
			MultipartChunksize: 3 * size.GiB / 2, MaxConcurrentRequests: 4, Source: "CFG [profile backup]",
		}},
		{name: "AWS_PROFILE", config: sampleConfig, env: "backup", want: S3Settings{
			MultipartChunksize: 3 * size.GiB / 2, MaxConcurrentRequests: 4, Source: "CFG [profile backup]",
		}},
		{name: "argument beats AWS_PROFILE", config: sampleConfig, profile: "default", env: "backup", want: S3Settings{
			MultipartThreshold: 64 * size.MiB, MultipartChunksize: 16 * size.MiB,
			MaxConcurrentRequests: 20, MaxBandwidth: 50 * size.MiB, Source: "CFG [default]",
		}},
		{name: "quoted profile name, tab indent", config: sampleConfig, profile: "with space", want: S3Settings{
			MultipartThreshold: size.MiB, Source: `CFG [profile "with space"]`,
		}},
		{name: "missing block", config: sampleConfig, profile: "noblock", want: S3Settings{Source: "CFG [profile noblock]"}},
		{name: "missing profile", config: sampleConfig, profile: "nope"},
		{name: "missing file", profile: "backup"},
		{name: "[default] as [profile default]", config: "[profile default]\ns3 =\n  max_concurrent_requests = 3\n",
			want: S3Settings{MaxConcurrentRequests: 3, Source: "CFG [profile default]"}},
		{name: "CRLF and BOM", config: "\ufeff[default]\r\ns3 =\r\n  multipart_threshold = 10MiB\r\n",
			want: S3Settings{MultipartThreshold: 10 * size.MiB, Source: "CFG [default]"}},
		{name: "block ends at a less indented line", config: "[default]\n  s3 =\n    max_concurrent_requests = 3\n  max_bandwidth = 1KB/s\n",
			want: S3Settings{MaxConcurrentRequests: 3, Source: "CFG [default]"}},
		{name: "colon delimiter for s3", config: "[default]\ns3:\n  max_concurrent_requests = 3\n",
			want: S3Settings{MaxConcurrentRequests: 3, Source: "CFG [default]"}},
		{name: "keys inside the block are case-sensitive", config: "[default]\ns3 =\n  Max_Concurrent_Requests = 3\n",
			want: S3Settings{Source: "CFG [default]"}},
		{name: "a later s3 option wins", config: "[default]\ns3 =\n  max_concurrent_requests = 3\ns3 =\n  max_concurrent_requests = 5\n",
			want: S3Settings{MaxConcurrentRequests: 5, Source: "CFG [default]"}},
		{name: "bad size", config: "[profile x]\ns3 =\n  multipart_chunksize = 16M\n", profile: "x",
			wantErr: []string{"CFG [profile x]", "multipart_chunksize", `"16M"`, "KB, MB, GB or TB"}},
		{name: "bad rate", config: "[default]\ns3 =\n  max_bandwidth = 50\n",
			wantErr: []string{"CFG [default]", "max_bandwidth", "B/s"}},
		{name: "bad concurrency", config: "[default]\ns3 =\n  max_concurrent_requests = ten\n",
			wantErr: []string{"max_concurrent_requests", `"ten"`, "positive integer"}},
		{name: "zero concurrency", config: "[default]\ns3 =\n  max_concurrent_requests = 0\n",
			wantErr: []string{"max_concurrent_requests", "positive integer"}},
		{name: "zero threshold", config: "[default]\ns3 =\n  multipart_threshold = 0\n",
			wantErr: []string{"multipart_threshold", "greater than zero"}},
		{name: "inline comment", config: "[default]\ns3 =\n  multipart_threshold = 64MB # big files\n",
			wantErr: []string{"multipart_threshold", "own line"}},
		{name: "not a nested block", config: "[default]\ns3 = multipart_threshold = 64MB\n",
			wantErr: []string{"CFG [default]", "nested block"}},
		{name: "line without =", config: "[default]\ns3 =\n  multipart_threshold\n",
			wantErr: []string{"CFG [default]", "key = value"}},
		{name: "another profile's bad value is not ours", config: "[profile other]\ns3 =\n  multipart_threshold = junk\n[default]\ns3 =\n  max_concurrent_requests = 2\n",
			want: S3Settings{MaxConcurrentRequests: 2, Source: "CFG [default]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if tt.config != "" {
				if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("AWS_CONFIG_FILE", path)
			t.Setenv("AWS_PROFILE", tt.env)
			got, err := LoadS3Settings(tt.profile)
			want := tt.want
			want.Source = strings.ReplaceAll(want.Source, "CFG", path)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("got %+v, want an error", got)
				}
				for _, s := range tt.wantErr {
					if s = strings.ReplaceAll(s, "CFG", path); !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestLoadS3SettingsDefaultPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", "")
	t.Setenv("AWS_PROFILE", "")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "[default]\ns3 =\n  multipart_threshold = nope\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadS3Settings("")
	if err == nil || !strings.Contains(err.Error(), "~/.aws/config [default]: s3.multipart_threshold") {
		t.Fatalf("error = %v, want it to name ~/.aws/config [default] and the key", err)
	}
}

func TestLoadS3SettingsUnreadable(t *testing.T) {
	dir := t.TempDir() // a directory is not a readable file
	t.Setenv("AWS_CONFIG_FILE", dir)
	if _, err := LoadS3Settings("default"); err == nil {
		t.Fatal("want an error for an unreadable config file")
	}
}

func FuzzParseS3Settings(f *testing.F) {
	f.Add([]byte(sampleConfig), "default")
	f.Add([]byte(sampleConfig), "backup")
	f.Add([]byte("[default]\ns3 =\n  max_bandwidth = 50MB/s\n"), "default")
	f.Add([]byte("[profile x]\r\n  s3:\r\n\t\tmultipart_chunksize=8MB\r\n#c\n;c\n"), "x")
	f.Add([]byte("s3 =\n  x\n[profile]\n[]\n["), "")
	f.Add([]byte("[default]\ns3 = 1\n  a\n"), "default")
	f.Fuzz(func(t *testing.T, data []byte, profile string) {
		st, err := parseS3Settings(data, profile, "CFG")
		if err != nil {
			if st != (S3Settings{}) {
				t.Fatalf("error %v with settings %+v", err, st)
			}
			if !strings.HasPrefix(err.Error(), "CFG [") {
				t.Fatalf("error %q does not name the file and profile", err)
			}
			return
		}
		if st.MultipartThreshold < 0 || st.MultipartChunksize < 0 || st.MaxConcurrentRequests < 0 || st.MaxBandwidth < 0 {
			t.Fatalf("negative setting: %+v", st)
		}
	})
}
