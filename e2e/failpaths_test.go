package e2e

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// Failure paths (issue 12): each says what happened in one line with a
// code of its own and a documented exit code, and none lets a preflight
// pass that proved nothing.

// closedEndpoint is a loopback URL nothing listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

// requestsBy is every request the gate saw from user.
func requestsBy(c teststack.Counts, user string) int {
	n := 0
	for k, v := range c.Calls {
		if k.User == user {
			n += v.Requests
		}
	}
	return n
}

// noSDKChain fails if the human output carries the SDK's error chain.
func noSDKChain(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"operation error", "StatusCode: 0", "https response error", "context canceled"} {
		if strings.Contains(stderr, s) {
			t.Errorf("stderr carries the SDK's chain (%q):\n%s", s, stderr)
		}
	}
}

// An unreachable endpoint proves nothing: the preflight is INCONCLUSIVE
// (exit 5) with the cause in one line, cp stops before any data with exit
// 5, and without the preflight the upload fails transiently (exit 4) with
// the same cause, the SDK's chain only under --debug.
func TestFailUnreachableEndpoint(t *testing.T) {
	src, _ := makeFile(t, 40*size.MiB)
	ep := closedEndpoint(t)
	env := []string{"AWS_ENDPOINT_URL=" + ep}
	want := "cannot reach " + ep + " (S3): connection refused"
	kms := []string{"--sse", "aws:kms", "--sse-kms-key-id", "alias/k"}

	r := runCLIEnv(t, stack.Full, env, append([]string{"preflight", target("k"), "--size", "40MiB", "--json"}, kms...)...)
	var doc struct {
		Verdict, Reason string
		ReasonCode      string `json:"reason_code"`
	}
	if r.Code != 5 || json.Unmarshal([]byte(r.Stdout), &doc) != nil {
		t.Fatalf("preflight --json: want exit 5 and the report: %s", r)
	}
	if doc.Verdict != "INCONCLUSIVE" || !strings.Contains(doc.Reason, want) || doc.ReasonCode != "endpoint_unreachable" {
		t.Errorf("report: verdict %s, reason %q [%s]", doc.Verdict, doc.Reason, doc.ReasonCode)
	}
	if !strings.Contains(r.Stderr, "uploader: preflight inconclusive: "+want) {
		t.Errorf("no one-line cause on stderr:\n%s", r.Stderr)
	}

	r = runCLIEnv(t, stack.Full, env, append([]string{"preflight", target("k"), "--size", "40MiB"}, kms...)...)
	if r.Code != 5 || !strings.Contains(r.Stdout, "verdict: INCONCLUSIVE") || strings.Contains(r.Stdout, "verdict: PASS") {
		t.Errorf("preflight table: %s", r)
	}
	noSDKChain(t, r.Stdout+r.Stderr)

	key := uniqueKey(t, "obj")
	r = runCLIEnv(t, stack.Full, env, append([]string{"cp", src, target(key), "--retries", "0"}, kms...)...)
	if r.Code != 5 || !strings.Contains(r.Stderr, want) || strings.Contains(r.Stderr, "checks passed") || strings.Contains(r.Stderr, "uploading") {
		t.Errorf("cp: want exit 5 before any data, with the cause: %s", r)
	}
	noSDKChain(t, r.Stderr)

	r = runCLIEnv(t, stack.Full, env, append([]string{"cp", src, target(key), "--retries", "0", "--json"}, kms...)...)
	res := validateEvents(t, r).result()
	if r.Code != 5 || res.int("exit_code") != 5 || diagnosisOf(t, resultLine(t, r))["code"] != "endpoint_unreachable" {
		t.Errorf("cp --json: %s", r)
	}

	r = runCLIEnv(t, stack.Full, env, append([]string{"cp", src, target(key), "--retries", "0", "--retry-window", "0", "--no-preflight"}, kms...)...)
	if r.Code != 4 || !strings.Contains(r.Stderr, "\nuploader: CreateMultipartUpload: "+want+" [endpoint_unreachable]\n") {
		t.Errorf("cp --no-preflight: want exit 4 and the cause on the summary line: %s", r)
	}
	noSDKChain(t, r.Stderr)

	r = runCLIEnv(t, stack.Full, env, append([]string{"cp", src, target(key), "--retries", "0", "--retry-window", "0", "--no-preflight", "--debug"}, kms...)...)
	if r.Code != 4 || !strings.Contains(r.Stderr, "debug: error:") || !strings.Contains(r.Stderr, "dial tcp") {
		t.Errorf("--debug does not show the SDK's chain: %s", r)
	}
}

// What proves a plan: the canary for any encryption; with --no-canary the
// KMS round trip for SSE-KMS, or HeadBucket reaching the bucket for a plan
// without KMS requests. Nothing proved is INCONCLUSIVE, exit 5.
func TestFailPreflightProof(t *testing.T) {
	noList, err := stack.NewUser(context.Background(), "nolist", teststack.Policy("s3:PutObject", "s3:AbortMultipartUpload", "kms:*", "sts:GetCallerIdentity"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		user    teststack.User
		args    []string
		code    int
		verdict string
	}{
		{"SSE-S3: the canary proves it", stack.Full, []string{"--sse", "AES256"}, 0, "PASS"},
		{"SSE-S3, no canary: HeadBucket reached the bucket", stack.Full, []string{"--sse", "AES256", "--no-canary"}, 0, "PASS"},
		{"SSE-KMS, no canary: the round trip proves KMS", stack.Full, append(kmsArgs(stack.KeyARN), "--no-canary"), 0, "PASS"},
		{"no s3:ListBucket: the canary still proves it", noList, []string{"--sse", "AES256"}, 0, "PASS"},
		{"no s3:ListBucket and no canary: nothing proved", noList, []string{"--sse", "AES256", "--no-canary"}, 5, "INCONCLUSIVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, doc := preflight(t, tt.user, tt.args...)
			if tt.code == 5 {
				if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
					t.Fatalf("no report: %s", r)
				}
			}
			if r.Code != tt.code || doc.Verdict != tt.verdict {
				t.Fatalf("exit %d verdict %s, want %d %s: %s\n%s", r.Code, doc.Verdict, tt.code, tt.verdict, r, doc)
			}
		})
	}
}

// A wrong secret key: credentials_invalid, exit 3, not "no credentials".
// The stack is not AWS, so the signature refusal names the wrong secret as
// one cause among those it cannot tell apart (a server that canonicalizes
// differently, a proxy, the clock), not as the cause.
func TestFailWrongSecret(t *testing.T) {
	u := stack.Full
	u.SecretAccessKey = "not-" + u.SecretAccessKey
	r, doc := preflight(t, u, kmsArgs(stack.KeyARN)...)
	if r.Code != 3 || doc.Verdict != "FAIL" {
		t.Fatalf("preflight: want exit 3: %s", r)
	}
	if status, code, _, remedy := doc.check(t, "identity"); status != "FAIL" || code != "credentials_invalid" || !strings.Contains(remedy, "secret access key") {
		t.Errorf("identity %s %s %s\n%s", status, code, remedy, doc)
	}
	src, _ := makeFile(t, 100*size.KiB)
	r = runCLI(t, u, "cp", src, target(uniqueKey(t, "obj")), "--no-preflight", "--json")
	if r.Code != 3 || diagnosisOf(t, resultLine(t, r))["code"] != "credentials_invalid" ||
		!strings.Contains(r.Stderr, "signature rejected by "+stack.Endpoint+" (not AWS): a wrong secret key") ||
		strings.Contains(r.Stderr, "secret access key does not match") || strings.Contains(r.Stderr, "no valid AWS credentials") {
		t.Errorf("cp: %s", r)
	}
}

// A clock too far off: clock_skewed, exit 3, once the SDK's own
// correction cannot help; when the server's Date shows its clock, the SDK
// corrects itself and the upload works.
func TestFailClockSkewed(t *testing.T) {
	defer stack.SetClockSkew(teststack.ClockSkew{})
	stack.SetClockSkew(teststack.ClockSkew{Offset: time.Hour})
	r, doc := preflight(t, stack.Full, kmsArgs(stack.KeyARN)...)
	if r.Code != 3 {
		t.Fatalf("preflight: want exit 3: %s", r)
	}
	if status, code, _, remedy := doc.check(t, "identity"); status != "FAIL" || code != "clock_skewed" || !strings.Contains(remedy, "clock") {
		t.Errorf("identity %s %s %s\n%s", status, code, remedy, doc)
	}
	src, sum := makeFile(t, 20*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	r = runCLI(t, stack.Full, append(kmsCp(src, key), "--json")...)
	if r.Code != 3 || diagnosisOf(t, resultLine(t, r))["code"] != "clock_skewed" {
		t.Errorf("cp: want exit 3, clock_skewed: %s", r)
	}
	noSDKChain(t, r.Stderr)

	stack.SetClockSkew(teststack.ClockSkew{Offset: time.Hour, ShowDate: true})
	if r := runCLI(t, stack.Full, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN); r.Code != 0 {
		t.Fatalf("with the server's Date to correct from: %s", r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Error("stored object differs from the source")
	}
}

// tlsProxy is the stack behind TLS with a certificate nobody trusts; it
// returns its URL and the certificate as a PEM file for --ca-bundle.
func tlsProxy(t *testing.T) (string, string) {
	t.Helper()
	gate, _ := url.Parse(stack.Endpoint)
	srv := httptest.NewUnstartedServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(gate)
		pr.Out.Host = pr.In.Host // signed by the client
	}})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, ca
}

// An endpoint whose certificate is not trusted: tls_untrusted, exit 3,
// naming --ca-bundle; with it, the same upload works.
func TestFailTLSUntrusted(t *testing.T) {
	ep, ca := tlsProxy(t)
	env := []string{"AWS_ENDPOINT_URL=" + ep}
	key := uniqueKey(t, "obj")
	r := runCLIEnv(t, stack.Full, env, append([]string{"preflight", target(key), "--json"}, kmsArgs(stack.KeyARN)...)...)
	var doc preflightDoc
	if r.Code != 3 || json.Unmarshal([]byte(r.Stdout), &doc) != nil {
		t.Fatalf("preflight: want exit 3: %s", r)
	}
	if status, code, _, remedy := doc.check(t, "bucket"); status != "FAIL" || code != "tls_untrusted" || !strings.Contains(remedy, "--ca-bundle") {
		t.Errorf("bucket %s %s %s\n%s", status, code, remedy, doc)
	}
	src, sum := makeFile(t, 20*size.MiB)
	r = runCLIEnv(t, stack.Full, env, "cp", src, target(key), "--no-preflight")
	if r.Code != 3 || !strings.Contains(r.Stderr, "cannot trust the TLS certificate of "+ep+" (S3)") || !strings.Contains(r.Stderr, "--ca-bundle") {
		t.Errorf("cp: %s", r)
	}
	noSDKChain(t, r.Stderr)
	r = runCLIEnv(t, stack.Full, env, "cp", src, target(key), "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--ca-bundle", ca)
	if r.Code != 0 {
		t.Fatalf("with --ca-bundle: %s", r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Error("stored object differs from the source")
	}
}

// runQuick runs the uploader and fails the test (killing it) if it has not
// ended within limit: for what used to hang.
func runQuick(t *testing.T, limit time.Duration, u teststack.User, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(stack.Env(u), "XDG_STATE_HOME="+stateHome)
	cmd.Stdin = stdin
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("uploader %v still running after %s: killed", args, limit)
	}
	res := cliResult{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// A FIFO, socket or device as the source is refused at once (exit 2),
// with the command that reads it as a stream; nothing is opened or sent.
func TestFailSourceNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tt := range []struct{ path, kind string }{
		{fifo, "named pipe (FIFO)"}, {sock, "socket"}, {"/dev/zero", "character device"},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			stack.ResetCounts()
			dst := target(uniqueKey(t, "obj"))
			r := runQuick(t, 20*time.Second, stack.Full, nil, "cp", tt.path, dst)
			if r.Code != 2 || !strings.Contains(r.Stderr, tt.kind) || !strings.Contains(r.Stderr, "uploader cp - "+dst+" < "+tt.path) {
				t.Errorf("want exit 2 naming a %s and the stdin command: %s", tt.kind, r)
			}
			if n := requestsBy(stack.Counts(), stack.Full.Name); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
	r := runQuick(t, 20*time.Second, stack.Full, nil, "preflight", target("k"), "--source", fifo)
	if r.Code != 2 || !strings.Contains(r.Stderr, "named pipe") {
		t.Errorf("preflight --source FIFO: %s", r)
	}
}

// Standard input that sends nothing: the first Ctrl-C ends the wait for
// the next part (exit 130), instead of holding the process until the
// writer goes away.
func TestFailStdinIdleInterrupted(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	if _, err := pw.Write([]byte("a few bytes, then nothing")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "cp", "-", target(uniqueKey(t, "obj")), "--no-preflight")
	cmd.Env = append(stack.Env(stack.Full), "XDG_STATE_HOME="+stateHome)
	cmd.Stdin = pr
	var errb strings.Builder
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Second)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still waiting for stdin 15 s after SIGINT:\n%s", errb.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(errb.String(), "interrupted by SIGINT") {
		t.Errorf("exit %d, want 130:\n%s", code, errb.String())
	}
	noSDKChain(t, errb.String())
}

// The second Ctrl-C: the summary line says how the upload stopped, not
// the "context canceled" of the requests it cut.
func TestFailSecondSIGINTLine(t *testing.T) {
	src, _ := makeFile(t, 24*size.MiB)
	key := uniqueKey(t, "obj.bin")
	cleanupKey(t, key)
	stack.SetFaults(teststack.Faults{Delay: 4 * time.Second})
	defer stack.SetFaults(teststack.Faults{})
	run := startCLI(t, stack.Full, kmsCp(src, key)...)
	waitFor(t, time.Minute, "the upload's journal", func() bool { return journalFor(t, key) != nil })
	time.Sleep(300 * time.Millisecond)
	for range 2 {
		if err := run.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	r := run.wait(t)
	if r.Code != 130 || !strings.Contains(r.Stderr, "uploader: interrupted by SIGINT: stopped at once (second SIGINT)") {
		t.Errorf("exit %d: want 130 and how it stopped:\n%s", r.Code, r.Stderr)
	}
	noSDKChain(t, r.Stderr)
	stack.SetFaults(teststack.Faults{})
	settleGate(t)
}

// aclsDisabledBucket is a bucket with Object Ownership BucketOwnerEnforced.
func aclsDisabledBucket(t *testing.T) string {
	t.Helper()
	b := fmt.Sprintf("uploader-acls-off-%d", time.Now().UnixNano()%1e9)
	c := adminS3(t)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(b),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
		t.Fatal(err)
	}
	return b
}

// The canary sends the upload's own request, every header: a user without
// s3:PutObjectTagging (or s3:PutObjectAcl) fails the preflight naming it,
// before any data; a bucket with ACLs disabled refuses --acl, in the
// preflight and without it.
func TestFailCanaryHeaders(t *testing.T) {
	u, err := stack.NewUser(context.Background(), "notagacl", teststack.Policy("s3:PutObject", "s3:AbortMultipartUpload",
		"s3:ListMultipartUploadParts", "s3:GetObject", "s3:ListBucket", "s3:HeadBucket", "kms:*", "sts:GetCallerIdentity"))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := makeFile(t, 20*size.MiB)
	off := aclsDisabledBucket(t)
	tests := []struct {
		name, bucket string
		user         teststack.User
		flags        []string
		code, names  string
	}{
		{"tags need s3:PutObjectTagging", stack.Bucket, u, []string{"--tagging", "team=backup"}, "s3_access_denied", "s3:PutObjectTagging"},
		{"an ACL needs s3:PutObjectAcl", stack.Bucket, u, []string{"--acl", "private"}, "s3_access_denied", "s3:PutObjectAcl"},
		{"a bucket with ACLs disabled", off, stack.Full, []string{"--acl", "public-read"}, "acl_not_supported", "--acl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := uniqueKey(t, "obj")
			dst := "s3://" + tt.bucket + "/" + key
			stack.ResetCounts()
			args := append([]string{"cp", src, dst, "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN, "--json"}, tt.flags...)
			r := runCLI(t, tt.user, args...)
			if r.Code != 3 {
				t.Fatalf("want exit 3 from the preflight: %s", r)
			}
			evs := validateEvents(t, r)
			if len(evs.kind("start")) != 0 {
				t.Fatalf("the upload started after the preflight:\n%s", r.Stdout)
			}
			rep := evs.one(t, "preflight").object("report")
			var canary map[string]any
			checks, _ := rep["checks"].([]any)
			for _, c := range checks {
				if m, _ := c.(map[string]any); m["name"] == "canary" {
					canary = m
				}
			}
			if rep["verdict"] != "FAIL" || canary["status"] != "FAIL" || canary["code"] != tt.code ||
				!strings.Contains(fmt.Sprint(canary["detail"], canary["remedy"]), tt.names) {
				t.Errorf("canary %v (verdict %v): want FAIL %s naming %s", canary, rep["verdict"], tt.code, tt.names)
			}
			if n := stack.Counts().BodyBytes["UploadPart"]; n > 1 {
				t.Errorf("%d part bytes sent", n)
			}

			// Without the preflight the upload's own request is explained
			// the same way.
			r = runCLI(t, tt.user, append(args, "--no-preflight")...)
			if r.Code != 3 || diagnosisOf(t, resultLine(t, r))["code"] != tt.code {
				t.Errorf("--no-preflight: %s", r)
			}

			// `uploader preflight` takes cp's header flags and its canary
			// sends them: the same FAIL, before any upload is tried.
			pargs := append([]string{"preflight", dst, "--source", src, "--sse", "aws:kms", "--sse-kms-key-id", stack.KeyARN}, tt.flags...)
			r = runCLI(t, tt.user, pargs...)
			if r.Code != 3 || !regexp.MustCompile(`(?m)^FAIL +canary .*\[`+tt.code+`\]`).MatchString(r.Stdout) || !strings.Contains(r.Stdout, tt.names) {
				t.Errorf("preflight %v: want exit 3, a canary FAIL [%s] naming %s: %s", tt.flags, tt.code, tt.names, r)
			}
		})
	}
}

// A part size the plan cannot use is said, with the size used and why.
func TestFailPartSizeNote(t *testing.T) {
	src, _ := makeFile(t, 40*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	r := runCLI(t, stack.Full, "cp", src, target(key), "--part-size", "5GiB", "--no-preflight", "--json")
	if r.Code != 0 {
		t.Fatalf("%s", r)
	}
	var note string
	for _, l := range strings.Split(r.Stderr, "\n") {
		if strings.HasPrefix(l, "note: --part-size") {
			note = l
		}
	}
	if !strings.Contains(note, "5 GiB") || !strings.Contains(note, "2 parts of 20 MiB") || !strings.Contains(note, "40 MiB source") {
		t.Errorf("note %q:\n%s", note, r.Stderr)
	}
	st := validateEvents(t, r).one(t, "start")
	if st.int("part_size") != 20*size.MiB || st.int("parts") != 2 {
		t.Errorf("start %s", st.Line)
	}
}

// An unwritable --state-dir is found before any request: exit 2, one line
// naming the folder and the fix.
func TestFailStateDirUnwritable(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	if os.Geteuid() == 0 {
		dir = "/proc" // permissions do not stop root; /proc takes no files
	}
	src, _ := makeFile(t, 20*size.MiB)
	stack.ResetCounts()
	r := runCLI(t, stack.Full, append(kmsArgsCp(src, uniqueKey(t, "obj")), "--state-dir", dir)...)
	lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
	if r.Code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "--state-dir "+dir+" is not writable") {
		t.Errorf("want exit 2 and one line naming %s: %s", dir, r)
	}
	if n := requestsBy(stack.Counts(), stack.Full.Name); n != 0 {
		t.Errorf("%d requests sent before the state folder was checked", n)
	}
}

// A --state-dir other users can write is refused before any request, as
// ssh refuses such a ~/.ssh: exit 2, one line naming the folder and the
// fix (chmod go-w). The same command again says the same; after the fix it
// uploads. The mode is set with chmod, past the umask; root is refused
// too (the check is the folder's mode, not access(2)).
func TestFailStateDirOthersCanWrite(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	src, sum := makeFile(t, 20*size.MiB)
	key := uniqueKey(t, "obj")
	cleanupKey(t, key)
	args := append(kmsArgsCp(src, key), "--state-dir", dir)
	refused := func(what string) string {
		t.Helper()
		stack.ResetCounts()
		r := runCLI(t, stack.Full, args...)
		lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
		if r.Code != 2 || len(lines) != 1 || !strings.Contains(lines[0], dir) || !strings.Contains(lines[0], "chmod go-w") {
			t.Fatalf("%s: want exit 2 and one line naming %s and chmod go-w: %s", what, dir, r)
		}
		if n := requestsBy(stack.Counts(), stack.Full.Name); n != 0 {
			t.Errorf("%s: %d requests sent before the state folder was checked", what, n)
		}
		return lines[0]
	}
	first := refused("first run")
	if again := refused("rerun"); again != first {
		t.Errorf("rerun says %q, the first run said %q", again, first)
	}
	if ids := uploadsFor(t, key); len(ids) != 0 {
		t.Fatalf("uploads created: %v", ids)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, stack.Full, args...); r.Code != 0 {
		t.Fatalf("after chmod 0700: exit %d, want 0: %s", r.Code, r)
	}
	if got, _ := objectSHA256(t, key); got != sum {
		t.Errorf("object SHA-256 %s, source %s", got, sum)
	}
	noUploadFor(t, key)
}

// kmsArgsCp is cp of src to key with SSE-KMS and the preflight.
func kmsArgsCp(src, key string) []string {
	return append([]string{"cp", src, target(key)}, kmsArgs(stack.KeyARN)...)
}
