package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/upload"
)

// defaultRetries gives 5 attempts in all, as the aws CLI's default mode.
const defaultRetries = 4

// cpOptions are `uploader cp`'s own flags.
type cpOptions struct {
	objectFlags // shared with preflight: the canary sends the same headers
	noOverwrite bool

	partSize     string
	threshold    string
	expectedSize string
	concurrency  int
	maxBandwidth string
	retries      int

	stateDir       string
	noResume       bool
	abortOnFailure bool

	noProgress  bool
	noPreflight bool
	json        bool
	dryrun      bool

	set setFlags
}

func newCpCmd(g *globalOptions) *cobra.Command {
	cmd, _ := cpCommand(g)
	return cmd
}

// cpCommand builds cp and returns the options its flags fill (tests parse
// flags and read them).
func cpCommand(g *globalOptions) (*cobra.Command, *cpOptions) {
	o := &cpOptions{}
	cmd := &cobra.Command{
		Use:   "cp SOURCE s3://BUCKET/KEY | cp DIR s3://BUCKET/PREFIX/ --recursive",
		Short: "Upload a file (or - for stdin, or a directory with --recursive) to S3",
		Long: strings.TrimSpace(`
Upload SOURCE to s3://BUCKET/KEY. Before any data moves, a preflight checks
the permissions the upload needs (--no-preflight skips it). Sources above
8 MiB go multipart, in parallel parts; smaller ones are one PutObject. A key
ending in / takes the source's file name.

Every part carries a CRC64NVME checksum, and the object's checksum is
compared with S3's after the upload. With --sse aws:kms the object must be
stored encrypted with the key given, or the upload fails (exit 1).

Resume: a failed or interrupted file upload is kept, and its progress
journaled in the state folder; running the same command again sends only
the missing parts. The first Ctrl-C starts no new part and lets those in
flight finish (up to 2 min, or 10 s without a byte sent; SIGTERM up to
8 s), the second stops at once.

Memory: a file is read in place (no part buffers); stdin ("-") is buffered,
up to (concurrency + 1) x part size (default 11 x 16 MiB = 176 MiB).

Directories: with --recursive, every file under DIR goes to PREFIX + its
path relative to DIR (s3://BUCKET/PREFIX means PREFIX/). --include and
--exclude select files with shell patterns matched against that relative
path ('*' matches '/' too; the last matching rule wins). One preflight
checks the whole set; up to --concurrency files upload at once, sharing the
--concurrency budget of requests. FIFOs, sockets and devices are skipped
with a warning (exit 1). A permission problem stops the set (exit 3); a
file that fails on its own does not. Rerunning resumes partly uploaded
files; --skip-existing also skips the files already uploaded, decided as
aws s3 sync does from one listing of PREFIX (same size, object not older
than the file; needs s3:ListBucket); --skip-existing=content also compares
encryption and checksum (a HeadObject per file of the same size).

Settings from the s3 block of the profile in ~/.aws/config
(multipart_threshold, multipart_chunksize, max_concurrent_requests,
max_bandwidth) apply; flags override them.`),
		Example: `  uploader cp backup.tar s3://my-bucket/backups/ --sse aws:kms --sse-kms-key-id alias/backup
  uploader cp db.dump s3://my-bucket/db.dump --part-size 64MiB --concurrency 16
  tar c /srv | uploader cp - s3://my-bucket/srv.tar --expected-size 200GiB --json
  uploader cp /srv/backups s3://my-bucket/backups/ --recursive --exclude '*.tmp' --skip-existing`,
		Args: func(cmd *cobra.Command, args []string) error {
			if err := o.set.spacedValue(cmd, args); err != nil {
				return err
			}
			if len(args) != 2 {
				return usagef(fmt.Errorf("cp takes a source and a target, got %s: uploader cp FILE s3://BUCKET/KEY", plural(len(args), "argument")))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.set.check(cmd); err != nil {
				return err
			}
			if o.set.recursive {
				return runCpSet(cmd, g, o, args[0], args[1])
			}
			return runCp(cmd, g, o, args[0], args[1])
		},
	}
	o.objectFlags.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.noOverwrite, "no-overwrite", false, "fail if the key already exists (a conditional write, If-None-Match)")

	f.StringVar(&o.partSize, "part-size", "", "multipart part size, 5MiB to 5GiB (default: 8MiB for files, grown to fit 10,000 parts; 16MiB for stdin)")
	f.StringVar(&o.threshold, "multipart-threshold", "", "sizes above it go multipart (default 8MiB)")
	f.StringVar(&o.expectedSize, "expected-size", "", "for stdin: the stream's expected size, to pick a part size that fits 10,000 parts")
	f.IntVar(&o.concurrency, "concurrency", upload.DefaultConcurrency, "requests (parts, or small files) in flight at once, halved while S3 answers SlowDown; with --recursive also the files uploading at once, sharing that budget")
	f.StringVar(&o.maxBandwidth, "max-bandwidth", "", "limit the upload rate, e.g. 50MiB/s (default: unlimited)")
	f.IntVar(&o.retries, "retries", defaultRetries, "attempts after the first for a request that failed transiently (5xx, SlowDown, timeouts, resets), with exponential backoff and jitter")

	f.StringVar(&o.stateDir, "state-dir", "", "folder of resume journals (default: $XDG_STATE_HOME/uploader or ~/.local/state/uploader)")
	f.BoolVar(&o.noResume, "no-resume", false, "start a new upload even if an interrupted one can be resumed (the old one is aborted)")
	f.BoolVar(&o.abortOnFailure, "abort-on-failure", false, "abort a failed upload instead of keeping it for a resume")

	f.BoolVar(&o.noProgress, "no-progress", false, "do not draw a progress bar")
	f.BoolVar(&o.noPreflight, "no-preflight", false, "skip the permission checks before the upload")
	f.BoolVar(&o.json, "json", false, "write newline-delimited JSON events on stdout (preflight, start, progress, retry, network_wait, result; with --recursive a summary last); see docs/json-events.md")
	f.BoolVar(&o.dryrun, "dryrun", false, "print what would be done (plan, target, checks) and send nothing")
	o.set.addFlags(cmd)
	return cmd, o
}

// cpJob is a validated cp invocation: everything checked, nothing sent.
type cpJob struct {
	src     string // path, or "-" for stdin
	absPath string // absolute path of a file source
	body    io.Reader
	size    int64 // -1 for stdin
	target  s3url.URL
	input   upload.Input
	opts    upload.Options
	plan    upload.Plan
	// notes are said before anything is sent (e.g. a part size the plan
	// could not use), and added to the JSON result's notes.
	notes []string
}
