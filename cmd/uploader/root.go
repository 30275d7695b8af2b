package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/debuglog"
	"github.com/uploader-dev/uploader/upload"
)

// globalOptions are the flags every command takes.
type globalOptions struct {
	profile     string
	region      string
	endpointURL string
	caBundle    string
	debug       bool
	quiet       bool
	net         networkOptions

	stdout io.Writer
	stderr io.Writer
}

func (g *globalOptions) addFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&g.profile, "profile", "", "use this profile from the shared AWS config and credentials files")
	f.StringVar(&g.region, "region", "", "AWS region (default: from the profile or AWS_REGION; corrected from the bucket's region)")
	f.StringVar(&g.endpointURL, "endpoint-url", "", "S3 endpoint URL (KMS and STS endpoints come from AWS_ENDPOINT_URL_KMS / _STS / AWS_ENDPOINT_URL)")
	f.StringVar(&g.caBundle, "ca-bundle", "", "PEM file of CA certificates to trust for TLS")
	f.BoolVar(&g.debug, "debug", false, "log every HTTP request and response line to stderr (credentials, signatures and KMS plaintext redacted)")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "print nothing but errors")
	g.net.addFlags(cmd)
}

// awsConfig loads the SDK configuration for these flags; retryMaxAttempts
// and conns (requests in parallel) may be 0 for the SDK's defaults.
func (g *globalOptions) awsConfig(ctx context.Context, retryMaxAttempts, conns int) (aws.Config, error) {
	o := awsconfig.Options{
		Profile:          g.profile,
		Region:           g.region,
		EndpointURL:      g.endpointURL,
		CABundle:         g.caBundle,
		RetryMaxAttempts: retryMaxAttempts,
		MaxConnsPerHost:  conns,
		// The engine and preflight watch each call, and say "stalled";
		// this bounds the rest, later so that it never fires first.
		ResponseHeaderTimeout: 2 * g.net.stallTimeout,
	}
	if g.debug {
		o.SDKLog = g.stderr
	}
	cfg, err := awsconfig.Load(ctx, o)
	if err == nil && g.debug {
		// Wrapped after loading, so --ca-bundle still reaches the SDK's
		// own client underneath. The library's hook, so that embedders get
		// what --debug shows.
		cfg.HTTPClient = upload.DebugHTTPClient(cfg.HTTPClient, debuglog.Lines(g.stderr))
	}
	return cfg, err
}

// debugError prints an error's whole chain (the SDK's included) with
// --debug: the summary line says it in a few words, this is the evidence.
func (g *globalOptions) debugError(err error) {
	if g.debug && err != nil {
		fmt.Fprintln(g.stderr, "debug: error: "+err.Error())
	}
}

// infof prints human progress text to stderr unless --quiet.
func (g *globalOptions) infof(format string, args ...any) {
	if g.quiet {
		return
	}
	fmt.Fprintf(g.stderr, format, args...)
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{stdout: os.Stdout, stderr: os.Stderr}
	root := &cobra.Command{
		Use:   "uploader",
		Short: "Upload big files to Amazon S3 with SSE-KMS, checked before and explained after",
		Long: strings.TrimSpace(`
uploader uploads big files to Amazon S3 with SSE-KMS encryption. Before any
data moves it proves the upload will be allowed (identity, bucket, key, a
KMS round trip and a canary through S3); during the upload it turns S3's bare
"Access Denied" into the missing permission and the policy statement to add.
` + exitCodeHelp),
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what `uploader version` prints.
		Version: versionText(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	g.addFlags(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usagef(err) })
	root.AddCommand(newCpCmd(g), newVersionCmd(g))
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	return root
}

// extraCommands lets each command file register itself, so adding a
// command does not touch this file.
var extraCommands []func(*globalOptions) *cobra.Command

const exitCodeHelp = `

Exit codes:
  0        done
  1        failed, not otherwise classified
  2        usage or bad input; no request was sent
  3        a permission, credential, bucket, KMS key, certificate or clock problem was diagnosed
  4        transient failure after retries (throttling, an unreachable endpoint, credentials
           that expired mid-upload); a file upload was kept (rerun to resume)
  5        the preflight proved nothing either way (INCONCLUSIVE, e.g. the endpoint is
           unreachable); nothing was sent
  130/143  interrupted by SIGINT / SIGTERM; a file upload was kept (rerun to resume)`
