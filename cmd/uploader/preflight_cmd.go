package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

func init() { extraCommands = append(extraCommands, newPreflightCmd) }

// preflightOptions are `uploader preflight`'s own flags.
type preflightOptions struct {
	objectFlags // cp's: the canary sends the upload's own headers
	source      string
	size        string
	partSize    string
	asJSON      bool
	noCanary    bool
}

func newPreflightCmd(g *globalOptions) *cobra.Command {
	o := &preflightOptions{}
	cmd := &cobra.Command{
		Use:   "preflight s3://BUCKET/KEY [--source FILE | --size N]",
		Short: "Prove an upload will be allowed, before any data moves",
		Long: strings.TrimSpace(`
Check, without writing anything, that uploading to s3://BUCKET/KEY with these
encryption settings will be allowed:

  identity           who the credentials are (sts:GetCallerIdentity)
  source             the file and the upload plan (one request or multipart)
  bucket, region     reachable, and where (a wrong region is corrected)
  bucket encryption  the default key and S3 Bucket Key setting
  lifecycle          a rule that aborts incomplete uploads
  key                the effective KMS key: enabled, symmetric, same region
  round trip         kms:GenerateDataKey + kms:Decrypt, directly, with the
                     encryption context S3 will use
  canary             CreateMultipartUpload (+ a 1-byte UploadPart for a
                     multipart plan) on a temporary key, then aborted
  reconcile          round trip vs canary: a key usable only through S3
                     (kms:ViaService) is a WARN; an S3-side denial a FAIL

A single-request upload needs only kms:GenerateDataKey; a multipart upload
(above 8 MiB) needs kms:Decrypt too. Without --source or --size a multipart
upload is assumed. Every FAIL comes with the policy statements to add.

The encryption, header and checksum flags are cp's (--sse, --acl,
--tagging, --storage-class, --metadata, --content-type, --checksum-algorithm,
...): give the ones the upload will use, and the canary sends them, so
that S3 checks what it will check then (tags need s3:PutObjectTagging, an
ACL s3:PutObjectAcl).

The verdict is PASS (or WARN) only when the round trip or the canary
proved the upload's requests would be allowed; when neither could run (an
unreachable endpoint, say) it is INCONCLUSIVE, with the reason. For an
upload without SSE-KMS there is nothing for the round trip to prove: the
canary decides, or with --no-canary, HeadBucket reaching the bucket.

Exit 0 on PASS or WARN, 3 when a check fails, 5 when INCONCLUSIVE, 2 on bad
input.`),
		Example: `  uploader preflight s3://my-bucket/backups/db.dump --sse aws:kms --sse-kms-key-id alias/backup
  uploader preflight s3://my-bucket/small.txt --source small.txt --sse aws:kms --json
  uploader preflight s3://my-bucket/logs/ --source app.log --tagging 'team=ops' --storage-class STANDARD_IA`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef(fmt.Errorf("preflight takes one target, got %s: uploader preflight s3://BUCKET/KEY", plural(len(args), "argument")))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPreflightCmd(cmd, g, o, args[0])
		},
	}
	o.objectFlags.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.source, "source", "", "the file to upload: its size decides the plan (- for stdin: a multipart stream)")
	f.StringVar(&o.size, "size", "", "plan for an upload of this size instead of a file (e.g. 100KiB, 20GiB)")
	f.StringVar(&o.partSize, "part-size", "", "multipart part size, as cp's --part-size")
	f.BoolVar(&o.asJSON, "json", false, "print the report as one JSON document")
	f.BoolVar(&o.noCanary, "no-canary", false, "do not try the upload through S3 (then a key usable only through S3 cannot be told from a missing permission)")
	return cmd
}

// preflightJSON is the --json document: the report and what it was about.
type preflightJSON struct {
	Target string `json:"target"`
	preflight.Report
}

// prepare validates the input into preflight options; nothing is sent.
func (o *preflightOptions) prepare(cmd *cobra.Command, target string) (preflight.Options, error) {
	if o.source != "" && o.size != "" {
		return preflight.Options{}, usagef(errors.New("--source and --size exclude each other: give the file, or the size to plan for"))
	}
	input, err := o.input(cmd)
	if err != nil {
		return preflight.Options{}, err
	}
	alg, noChecksum, err := o.checksums()
	if err != nil {
		return preflight.Options{}, err
	}
	var partSize int64
	if o.partSize != "" {
		if partSize, err = size.Parse(o.partSize); err != nil {
			return preflight.Options{}, usagef(fmt.Errorf("--part-size: %v", err))
		}
	}
	sz, base := int64(-1), "" // unknown size: a multipart plan
	switch {
	case o.source == "-":
	case o.source != "":
		f, fi, err := openSource(o.source, "--source - (and the stream on standard input)")
		if err != nil {
			return preflight.Options{}, usagef(err)
		}
		f.Close()
		sz, base = fi.Size(), filepath.Base(o.source)
	case o.size != "":
		if sz, err = size.Parse(o.size); err != nil {
			return preflight.Options{}, usagef(fmt.Errorf("--size: %v", err))
		}
	}
	u, err := s3url.ParseObject(target, base)
	if err != nil {
		return preflight.Options{}, usagef(err)
	}
	plan, err := upload.MakePlan(sz, upload.PlanOptions{PartSize: partSize})
	if err != nil {
		return preflight.Options{}, err // a PlanError: exit 2
	}
	input.ContentType = o.contentTypeOf(u.Key)
	po := checkOptions(u.Bucket, u.Key, o.source, plan, input, upload.Options{Concurrency: upload.DefaultConcurrency, Checksum: alg, NoChecksum: noChecksum})
	po.Canary = !o.noCanary
	return po, nil
}

func runPreflightCmd(cmd *cobra.Command, g *globalOptions, o *preflightOptions, target string) error {
	po, err := o.prepare(cmd, target)
	if err != nil {
		return err
	}
	ctx, stop := signalContext(cmd.Context())
	defer stop()
	cfg, err := g.awsConfig(ctx, 0, 0)
	if err != nil {
		if interruptedBy(ctx) != nil {
			return signalFailure(ctx, err)
		}
		return usagef(err)
	}
	// The canary's part carries the checksum an upload would send: none
	// when the profile says when_required and the flag does not say.
	if o.profileSaysNoChecksum(cfg) {
		po.NoChecksum = true
	}
	rep, err := runPreflight(ctx, g, cfg, po)
	if err != nil {
		return signalFailure(ctx, err) // cancelled: the exit code of the signal
	}
	if o.asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(preflightJSON{Target: "s3://" + po.Bucket + "/" + po.Key, Report: rep}); err != nil {
			return err
		}
	} else if !g.quiet || rep.Failed() || rep.Inconclusive() {
		fmt.Fprintf(g.stdout, "preflight s3://%s/%s\n", po.Bucket, po.Key)
		renderReport(g.stdout, rep)
	}
	switch {
	case rep.Failed():
		return &exitError{code: ExitDiagnosed, err: errors.New("preflight: " + failedNames(rep)), reported: true}
	case rep.Inconclusive():
		// Not reported yet: main prints the one line on stderr.
		return &exitError{code: ExitInconclusive, err: errors.New("preflight inconclusive: " + rep.Reason)}
	}
	return nil
}

// runPreflight runs the checks with clients built from cfg; cp calls it
// before an upload. S3 honours --endpoint-url; KMS and STS take their
// endpoints from the SDK's configuration (AWS_ENDPOINT_URL_KMS, ...).
func runPreflight(ctx context.Context, g *globalOptions, cfg aws.Config, o preflight.Options) (preflight.Report, error) {
	if o.Region == "" {
		o.Region = cfg.Region
	}
	g.net.applyPreflight(&o)
	c := preflight.Clients{
		S3:  awsconfig.S3(cfg, g.endpointURL),
		KMS: awsconfig.KMS(cfg),
		STS: awsconfig.STS(cfg),
	}
	rep, err := preflight.Run(ctx, c, o)
	speakReport(&rep)
	return rep, err
}

func failedNames(r preflight.Report) string {
	var names []string
	for _, c := range r.Checks {
		if c.Status == preflight.Fail {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ") + " failed"
}
