package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/s3url"
	"github.com/uploader-dev/uploader/upload"
)

func init() { extraCommands = append(extraCommands, newUploadsCmd) }

// uploadsOptions are the flags of `uploader uploads ...`.
type uploadsOptions struct {
	stateDir  string
	uploadID  string
	olderThan string
	json      bool
}

func newUploadsCmd(g *globalOptions) *cobra.Command {
	o := &uploadsOptions{}
	cmd := &cobra.Command{
		Use:   "uploads",
		Short: "List or abort unfinished multipart uploads (and their local resume journals)",
		Long: strings.TrimSpace(`
Unfinished multipart uploads keep their parts on S3, billed, until they are
completed or aborted. These commands show them, with the local journal a
rerun of cp would resume from, and abort the ones you do not want.
Journals whose upload no longer exists on S3 are removed as they are found.`),
	}
	cmd.PersistentFlags().StringVar(&o.stateDir, "state-dir", "", "folder of resume journals (default: $XDG_STATE_HOME/uploader or ~/.local/state/uploader)")
	list := &cobra.Command{
		Use:   "list s3://BUCKET[/PREFIX]",
		Short: "List unfinished multipart uploads under a bucket or prefix",
		Args:  exactArgs(1, "uploader uploads list s3://BUCKET[/PREFIX]"),
		RunE:  func(cmd *cobra.Command, args []string) error { return runUploadsList(cmd, g, o, args[0]) },
	}
	list.Flags().BoolVar(&o.json, "json", false, "print one JSON document")
	abort := &cobra.Command{
		Use:   "abort s3://BUCKET/KEY --upload-id ID | s3://BUCKET[/PREFIX] --older-than AGE",
		Short: "Abort one multipart upload, or all under a prefix older than an age",
		Example: `  uploader uploads abort s3://my-bucket/backup.tar --upload-id 2~abc...
  uploader uploads abort s3://my-bucket/backups/ --older-than 7d`,
		Args: exactArgs(1, "uploader uploads abort s3://BUCKET/KEY --upload-id ID"),
		RunE: func(cmd *cobra.Command, args []string) error { return runUploadsAbort(cmd, g, o, args[0]) },
	}
	abort.Flags().StringVar(&o.uploadID, "upload-id", "", "the upload to abort (with s3://BUCKET/KEY)")
	abort.Flags().StringVar(&o.olderThan, "older-than", "", "abort every upload under the prefix started longer ago than this: 7d, 12h, 90m; 0 aborts them all")
	cmd.AddCommand(list, abort)
	return cmd
}

func exactArgs(n int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef(fmt.Errorf("expected %s, got %d: %s", plural(n, "argument"), len(args), usage))
		}
		return nil
	}
}

// pendingUpload is the JSON of one upload in `uploads list --json`.
type pendingUpload struct {
	Key       string    `json:"key"`
	UploadID  string    `json:"upload_id"`
	Initiated time.Time `json:"initiated"`
	Source    string    `json:"source,omitempty"` // the journal's source file
	Parts     int       `json:"journaled_parts,omitempty"`
	Bytes     int64     `json:"journaled_bytes,omitempty"`
}

type uploadsEnv struct {
	ctx    context.Context
	client upload.UploadsClient
	store  *upload.Journals
	target s3url.URL
}

func (o *uploadsOptions) env(cmd *cobra.Command, g *globalOptions, arg string) (*uploadsEnv, func(), error) {
	target, err := s3url.Parse(arg)
	if err != nil {
		return nil, nil, usagef(err)
	}
	store, err := upload.OpenJournals(o.stateDir)
	if err != nil {
		return nil, nil, usagef(fmt.Errorf("--state-dir: %v", err))
	}
	ctx, stop := signalContext(cmd.Context())
	cfg, err := g.awsConfig(ctx, 0, 0)
	if err != nil {
		stop()
		return nil, nil, usagef(err)
	}
	return &uploadsEnv{ctx: ctx, client: awsconfig.S3(cfg, g.endpointURL), store: store, target: target}, stop, nil
}

// uploadsListJSON is `uploads list --json`'s one document: the uploads,
// or on a failure the error, its exit code and the diagnosis when there
// is one (docs/json-events.md).
type uploadsListJSON struct {
	Bucket    string              `json:"bucket"`
	Prefix    string              `json:"prefix"`
	Uploads   *[]pendingUpload    `json:"uploads,omitempty"` // [] when none; absent on a failure
	Error     string              `json:"error,omitempty"`
	ExitCode  *int                `json:"exit_code,omitempty"`
	Diagnosis *diagnose.Diagnosis `json:"diagnosis,omitempty"`
}

func runUploadsList(cmd *cobra.Command, g *globalOptions, o *uploadsOptions, arg string) error {
	list, err := listUploads(cmd, g, o, arg)
	if !o.json {
		if err == nil {
			printUploads(g.stdout, list.Uploads)
		}
		return err
	}
	var doc uploadsListJSON
	if u, perr := s3url.Parse(arg); perr == nil {
		doc.Bucket, doc.Prefix = u.Bucket, u.Key
	}
	if err != nil {
		// The human line still goes to stderr (main prints it); stdout
		// gets the one document a program reads.
		code := exitCode(err)
		doc.Error, doc.ExitCode = err.Error(), &code
		var d *diagnose.Diagnosis
		if errors.As(err, &d) {
			doc.Diagnosis = d
		}
	} else {
		ups := jsonUploads(list.Uploads)
		doc.Uploads = &ups
	}
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	if jerr := enc.Encode(doc); jerr != nil && err == nil {
		return jerr
	}
	return err
}

// listUploads lists the uploads under arg and says which journals it
// removed (on stderr).
func listUploads(cmd *cobra.Command, g *globalOptions, o *uploadsOptions, arg string) (upload.UploadList, error) {
	e, stop, err := o.env(cmd, g, arg)
	if err != nil {
		return upload.UploadList{}, err
	}
	defer stop()
	list, err := upload.ListUploads(e.ctx, e.client, upload.ListUploadsOptions{Bucket: e.target.Bucket, Prefix: e.target.Key, Journals: e.store})
	if err != nil {
		return list, signalFailure(e.ctx, err)
	}
	printCleaned(g, list.Cleaned)
	return list, nil
}

// jsonUploads is never nil: an empty list is [] in the JSON, not null.
func jsonUploads(ups []upload.PendingUpload) []pendingUpload {
	l := make([]pendingUpload, 0, len(ups))
	for _, u := range ups {
		l = append(l, pendingUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated,
			Source: u.Source, Parts: u.JournaledParts, Bytes: u.JournaledBytes})
	}
	return l
}

func printUploads(w io.Writer, list []upload.PendingUpload) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no unfinished multipart uploads")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tUPLOAD ID\tSTARTED\tLOCAL JOURNAL")
	for _, p := range list {
		local := "-"
		if p.Source != "" {
			local = fmt.Sprintf("%s (%s journaled)", p.Source, plural(p.JournaledParts, "part"))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Key, p.UploadID, p.Initiated.Local().Format(time.RFC3339), local)
	}
	tw.Flush()
}

// printCleaned says which journals were removed, and why.
func printCleaned(g *globalOptions, cleaned []upload.CleanedJournal) {
	for _, c := range cleaned {
		g.infof("note: removed the journal of %s: its upload %s no longer exists\n", c, c.UploadID)
	}
}
