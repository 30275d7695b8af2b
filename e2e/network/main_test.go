package network

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	toxiclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/uploader-dev/uploader/internal/teststack"
)

// The windows are scaled down so the module runs in a few minutes: a 2 s
// stall timeout and a 10 s retry window (the defaults are 30 s and 5 min).
const (
	stallTimeout = "2s"
	retryWindow  = "10s"
)

var (
	binary   string
	workDir  string
	stack    *teststack.Stack
	toxics   *toxiclient.Client
	proxy    *toxiclient.Proxy
	proxyURL string // http://127.0.0.1:PORT, the stack through toxiproxy
)

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	var err error
	workDir, err = os.MkdirTemp("", "uploader-network-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workDir)
	binary = filepath.Join(workDir, "uploader")
	if b := os.Getenv("UPLOADER_E2E_BINARY"); b != "" {
		// Another build under test, e.g. an older commit's, to show a
		// test fails there (as e2e/ allows).
		binary = b
	} else {
		// Built without -race: these tests are about time, and the
		// detector multiplies the CPU a run takes on a loaded machine.
		build := exec.Command("go", "build", "-o", binary, "./cmd/uploader")
		build.Dir = filepath.Join("..", "..")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building uploader:", err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	stack, err = teststack.Start(ctx, teststack.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting the local AWS stack:", err)
		return 1
	}
	defer stack.Stop()
	if err := startToxiproxy(); err != nil {
		fmt.Fprintln(os.Stderr, "starting toxiproxy:", err)
		return 1
	}
	return m.Run()
}

// startToxiproxy runs toxiproxy's API server in this process on a free
// loopback port (it stops with the process) and puts one proxy in front
// of the stack's gate.
func startToxiproxy() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	// toxiproxy's toxics log through zerolog's global logger, at trace.
	zerolog.SetGlobalLevel(zerolog.WarnLevel)
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	go srv.Listen("127.0.0.1", strconv.Itoa(port))
	toxics = toxiclient.NewClient(fmt.Sprintf("127.0.0.1:%d", port))
	upstream := strings.TrimPrefix(stack.Endpoint, "http://")
	deadline := time.Now().Add(10 * time.Second)
	for {
		proxy, err = toxics.CreateProxy("stack", "127.0.0.1:0", upstream)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	proxyURL = "http://" + proxy.Listen
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// proxyMu serialises every use of proxy (toxiproxy's client Proxy is not
// safe for concurrent use; faults are set from helper goroutines).
var proxyMu sync.Mutex

// withProxy runs f on the proxy, one caller at a time; an error fails t.
func withProxy(t *testing.T, f func(p *toxiclient.Proxy) error) {
	proxyMu.Lock()
	defer proxyMu.Unlock()
	if err := f(proxy); err != nil {
		t.Error(err)
	}
}

func addToxic(t *testing.T, name, typ, stream string, toxicity float32, attrs toxiclient.Attributes) {
	withProxy(t, func(p *toxiclient.Proxy) error {
		_, err := p.AddToxic(name, typ, stream, toxicity, attrs)
		return err
	})
}

func removeToxic(t *testing.T, name string) {
	withProxy(t, func(p *toxiclient.Proxy) error { return p.RemoveToxic(name) })
}

func disable(t *testing.T) { withProxy(t, func(p *toxiclient.Proxy) error { return p.Disable() }) }
func enable(t *testing.T)  { withProxy(t, func(p *toxiclient.Proxy) error { return p.Enable() }) }

// resetProxy removes every toxic and enables the proxy, after a test.
func resetProxy(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		proxyMu.Lock()
		defer proxyMu.Unlock()
		if err := toxics.ResetState(); err != nil {
			t.Errorf("toxiproxy reset: %v", err)
		}
	})
}

// slowLink makes every connection a 4 MB/s link, so that an upload lasts
// long enough for faults to land mid-body.
func slowLink(t *testing.T) {
	t.Helper()
	addToxic(t, "slow", "bandwidth", "upstream", 1, toxiclient.Attributes{"rate": 4000})
}

type result struct {
	Code           int
	Stdout, Stderr string
	Took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.Code, r.Took.Round(time.Millisecond), r.Stdout, r.Stderr)
}

// run runs the uploader as the stack's full user, through the proxy.
func run(t *testing.T, stateDir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	env := stack.Env(stack.Full)
	for i, kv := range env {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
			env[i] = "AWS_ENDPOINT_URL=" + proxyURL
		}
	}
	cmd.Env = append(env, "XDG_STATE_HOME="+stateDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Stdout: stdout.String(), Stderr: stderr.String(), Took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		t.Fatalf("running uploader: %v", err)
	}
	return r
}

// running is an uploader started by start.
type running struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	stdout bytes.Buffer
	lines  chan struct{} // closed when stdout ends
	done   chan struct{} // closed when the process ended
	err    error
	start  time.Time
}

// start runs the uploader as run does, calling onLine with each stdout
// line as it comes.
func start(t *testing.T, stateDir string, onLine func(string), args ...string) *running {
	t.Helper()
	cmd := exec.Command(binary, args...)
	env := stack.Env(stack.Full)
	for i, kv := range env {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
			env[i] = "AWS_ENDPOINT_URL=" + proxyURL
		}
	}
	cmd.Env = append(env, "XDG_STATE_HOME="+stateDir)
	p := &running{cmd: cmd, lines: make(chan struct{}), done: make(chan struct{}), start: time.Now()}
	cmd.Stderr = &p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.stdout.WriteString(sc.Text() + "\n")
			onLine(sc.Text())
		}
	}()
	go func() {
		<-p.lines
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill() // by its pid
			<-p.done
		}
	})
	return p
}

// wait waits (at most 3 minutes) for the process and returns how it ended.
func (p *running) wait(t *testing.T) result {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(3 * time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("still running after 3 minutes; stderr:\n%s", p.stderr.String())
	}
	r := result{Stdout: p.stdout.String(), Stderr: p.stderr.String(), Took: time.Since(p.start)}
	var ee *exec.ExitError
	switch {
	case p.err == nil:
	case errors.As(p.err, &ee):
		r.Code = ee.ExitCode()
	default:
		t.Fatalf("running uploader: %v", p.err)
	}
	return r
}

// cpArgs is an SSE-KMS cp with the scaled windows, 8 MiB parts, 4 at a
// time, no bar; extra flags last.
func cpArgs(src, key string, extra ...string) []string {
	return netFlags(append([]string{"cp", src, "s3://" + stack.Bucket + "/" + key,
		"--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--no-progress",
		"--part-size", "8MiB", "--concurrency", "4",
		"--stall-timeout", stallTimeout, "--retry-window", retryWindow}, extra...))
}

// netFlags drops --stall-timeout and --retry-window (and their values)
// when UPLOADER_E2E_OLD_FLAGS is set: with UPLOADER_E2E_BINARY naming a
// build from before those flags, the tests then show how it fares.
func netFlags(args []string) []string {
	if os.Getenv("UPLOADER_E2E_OLD_FLAGS") == "" {
		return args
	}
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--stall-timeout" || args[i] == "--retry-window" {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// makeFile writes n random bytes and returns the path and SHA-256.
func makeFile(t *testing.T, n int64) (string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "src.bin")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, n); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, hex.EncodeToString(h.Sum(nil))
}

func key(t *testing.T) string {
	return fmt.Sprintf("network/%s/%d.bin", t.Name(), time.Now().UnixNano())
}

// admin is an S3 client straight to the stack (not through the proxy).
func admin(t *testing.T) *s3.Client {
	t.Helper()
	cfg, err := stack.Config(context.Background(), stack.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// objectSHA256 is the stored object's SHA-256, "" if it is not there.
func objectSHA256(t *testing.T, k string) string {
	t.Helper()
	out, err := admin(t).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(stack.Bucket), Key: aws.String(k)})
	if err != nil {
		return ""
	}
	defer out.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// uploadsFor lists the multipart uploads S3 holds for k.
func uploadsFor(t *testing.T, k string) []string {
	t.Helper()
	out, err := admin(t).ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(stack.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range out.Uploads {
		if aws.ToString(u.Key) == k {
			ids = append(ids, aws.ToString(u.UploadId))
		}
	}
	return ids
}

// after runs f once d has passed, unless the test ended first.
func after(t *testing.T, d time.Duration, f func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		select {
		case <-time.After(d):
			f()
		case <-done:
		}
	}()
}
