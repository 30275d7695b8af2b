package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
)

// Transfer settings: a profile's s3 block as the aws CLI reads it, the
// flags that override it, --max-bandwidth and --dryrun.

// awsConfigFile writes an AWS config file and returns the environment that
// points the uploader at it (after the stack's AWS_CONFIG_FILE=/dev/null,
// so it wins).
func awsConfigFile(t *testing.T, text string) (path string, env []string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, []string{"AWS_CONFIG_FILE=" + path}
}

const s3Block = "[default]\ns3 =\n  multipart_threshold = 20MB\n  multipart_chunksize = 6MB\n  max_concurrent_requests = 3\n"

// The s3 block sets the threshold, part size and concurrency (aws CLI
// units: MB = MiB), as the JSON start line shows; flags override it.
func TestProfileS3Block(t *testing.T) {
	_, env := awsConfigFile(t, s3Block)
	tests := []struct {
		name        string
		size        int64
		flags       []string
		multipart   bool
		partSize    int64
		concurrency int64
	}{
		{"15MiB under the threshold", 15 * size.MiB, nil, false, 0, 1},
		{"30MiB over the threshold", 30 * size.MiB, nil, true, 6 * size.MiB, 3},
		{"flags override", 30 * size.MiB, []string{"--part-size", "7MiB", "--concurrency", "2"}, true, 7 * size.MiB, 2},
		{"threshold flag overrides", 15 * size.MiB, []string{"--multipart-threshold", "10MiB"}, true, 6 * size.MiB, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, sum := makeFile(t, tt.size)
			key := uniqueKey(t, "obj.bin")
			defer abortUploadsOf(t, key)
			args := append([]string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json"}, tt.flags...)
			r := runCLIEnv(t, stack.Full, env, args...)
			if r.Code != 0 {
				t.Fatalf("cp failed: %s", r)
			}
			st := validateEvents(t, r).one(t, "start")
			if st.boolean("multipart") != tt.multipart || st.int("part_size") != tt.partSize || st.int("concurrency") != tt.concurrency {
				t.Fatalf("start line %s: want multipart %v, part_size %d, concurrency %d", st.Line, tt.multipart, tt.partSize, tt.concurrency)
			}
			if tt.multipart {
				if want := (tt.size + tt.partSize - 1) / tt.partSize; st.int("parts") != want {
					t.Errorf("parts %d, want %d", st.int("parts"), want)
				}
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Fatalf("stored SHA-256 %s, source %s", got, sum)
			}
		})
	}
}

// The s3 block of the profile named by --profile / AWS_PROFILE is used, not
// [default]'s.
func TestProfileS3BlockNamedProfile(t *testing.T) {
	_, env := awsConfigFile(t, s3Block+"[profile backup]\ns3 =\n  multipart_chunksize = 9MB\n  max_concurrent_requests = 4\n")
	src, _ := makeFile(t, 30*size.MiB)
	key := uniqueKey(t, "obj.bin")
	defer abortUploadsOf(t, key)
	// The profile has no credentials of its own: the environment's are used.
	r := runCLIEnv(t, stack.Full, append(env, "AWS_PROFILE=backup"), "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json")
	if r.Code != 0 {
		t.Fatalf("cp failed: %s", r)
	}
	st := validateEvents(t, r).one(t, "start")
	if st.int("part_size") != 9*size.MiB || st.int("concurrency") != 4 {
		t.Fatalf("start line %s: want [profile backup]'s 9 MiB parts, 4 at a time", st.Line)
	}
}

// A value the aws CLI would refuse is a usage error (exit 2) naming the
// file and the key, before any request.
func TestProfileS3BlockMalformed(t *testing.T) {
	src, _ := makeFile(t, size.KiB)
	for _, tt := range []struct{ name, line, key string }{
		{"chunksize", "  multipart_chunksize = lots\n", "multipart_chunksize"},
		{"concurrency", "  max_concurrent_requests = -3\n", "max_concurrent_requests"},
		{"bandwidth", "  max_bandwidth = fast\n", "max_bandwidth"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, env := awsConfigFile(t, "[default]\ns3 =\n"+tt.line)
			stack.ResetCounts()
			r := runCLIEnv(t, stack.Full, env, "cp", src, target(uniqueKey(t, "obj")), "--no-preflight")
			if r.Code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.Code, r)
			}
			if !strings.Contains(r.Stderr, path) || !strings.Contains(r.Stderr, tt.key) {
				t.Fatalf("stderr does not name the file %s and the key %s:\n%s", path, tt.key, r.Stderr)
			}
			if n := totalRequests(stack.Counts()); n != 0 {
				t.Fatalf("%d requests sent despite the bad config", n)
			}
		})
	}
}

// --dryrun prints the plan and sends nothing: the gate counts zero
// requests, for a file and for stdin.
func TestDryrunSendsNothing(t *testing.T) {
	src, _ := makeFile(t, 30*size.MiB)
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"file", src, []string{"(dryrun)", "4 parts of 8 MiB", "aws:kms with key " + stack.KeyARN, "CRC64NVME", "preflight:", "canary"}},
		{"stdin", "-", []string{"(dryrun)", "stdin", "parts of 16 MiB", "memory up to"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := uniqueKey(t, "obj.bin")
			stack.ResetCounts()
			r := runCLI(t, stack.Full, "cp", tt.src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--dryrun")
			if r.Code != 0 {
				t.Fatalf("--dryrun failed: %s", r)
			}
			for _, s := range append(tt.want, target(key)) {
				if !strings.Contains(r.Stdout, s) {
					t.Errorf("plan does not say %q:\n%s", s, r.Stdout)
				}
			}
			if c := stack.Counts(); totalRequests(c) != 0 {
				t.Fatalf("--dryrun sent %d requests: %+v", totalRequests(c), c.Calls)
			}
			if objectExists(t, key) {
				t.Fatal("--dryrun stored an object")
			}
		})
	}
}

// --max-bandwidth 10MiB/s (and the profile's max_bandwidth) on 20 MiB
// takes at least ~1.5 s: a lower bound only, the machine is shared.
func TestMaxBandwidth(t *testing.T) {
	src, sum := makeFile(t, 20*size.MiB)
	_, profileEnv := awsConfigFile(t, "[default]\ns3 =\n  max_bandwidth = 10MB/s\n")
	for _, tt := range []struct {
		name  string
		env   []string
		flags []string
	}{
		{"flag", nil, []string{"--max-bandwidth", "10MiB/s"}},
		{"profile", profileEnv, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key := uniqueKey(t, "obj.bin")
			defer abortUploadsOf(t, key)
			start := time.Now()
			r := runCLIEnv(t, stack.Full, tt.env, append([]string{"cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-preflight", "--json"}, tt.flags...)...)
			wall := time.Since(start)
			if r.Code != 0 {
				t.Fatalf("cp failed: %s", r)
			}
			d := validateEvents(t, r).result().num("duration_seconds")
			t.Logf("20 MiB at 10 MiB/s: %.2f s (result), %s wall", d, wall.Round(time.Millisecond))
			if d < 1.5 {
				t.Fatalf("20 MiB at 10 MiB/s took %.2f s, want at least 1.5 s", d)
			}
			if got, _ := objectSHA256(t, key); got != sum {
				t.Fatalf("stored SHA-256 %s, source %s", got, sum)
			}
		})
	}
}
