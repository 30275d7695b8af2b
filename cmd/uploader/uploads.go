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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/spf13/cobra"

	"github.com/uploader-dev/uploader/internal/awsconfig"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
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
	abort.Flags().StringVar(&o.olderThan, "older-than", "", "abort every upload under the prefix started longer ago than this: 7d, 12h, 90m")
	cmd.AddCommand(list, abort)
	return cmd
}

func exactArgs(n int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef(fmt.Errorf("expected %d argument(s), got %d: %s", n, len(args), usage))
		}
		return nil
	}
}

// pendingUpload is a server upload with the local journal that matches it.
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
	client *s3.Client
	store  *journal.Store
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

// pending lists the server's uploads under the target prefix, matched with
// the local journals; journals of this bucket and prefix whose upload is
// gone are removed.
func (e *uploadsEnv) pending() ([]pendingUpload, []string, error) {
	var ups []types.MultipartUpload
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(e.target.Bucket), Prefix: aws.String(e.target.Key)}
	for {
		out, err := e.client.ListMultipartUploads(e.ctx, in)
		if err != nil {
			if d := diagnose.Classify(err, diagnose.Context{Operation: "ListMultipartUploads", Bucket: e.target.Bucket}); d != nil {
				return nil, nil, d
			}
			return nil, nil, err
		}
		ups = append(ups, out.Uploads...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	recs, _ := e.store.List()
	byID := map[string]journal.Record{}
	for _, r := range recs {
		byID[r.UploadID] = r
	}
	var list []pendingUpload
	live := map[string]bool{}
	for _, u := range ups {
		p := pendingUpload{Key: aws.ToString(u.Key), UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)}
		if r, ok := byID[p.UploadID]; ok && r.Identity.Key == p.Key && r.Identity.Bucket == e.target.Bucket {
			p.Source, p.Parts, p.Bytes = r.Identity.Source, len(r.Parts), r.Bytes()
		}
		live[p.UploadID] = true
		list = append(list, p)
	}
	var cleaned []string
	for _, r := range recs {
		if r.Identity.Bucket != e.target.Bucket || !strings.HasPrefix(r.Identity.Key, e.target.Key) || live[r.UploadID] {
			continue
		}
		if err := e.store.Delete(r.Identity); err == nil {
			cleaned = append(cleaned, fmt.Sprintf("removed the journal of %s: its upload %s no longer exists", r.Identity, r.UploadID))
		}
	}
	return list, cleaned, nil
}

func runUploadsList(cmd *cobra.Command, g *globalOptions, o *uploadsOptions, arg string) error {
	e, stop, err := o.env(cmd, g, arg)
	if err != nil {
		return err
	}
	defer stop()
	list, cleaned, err := e.pending()
	if err != nil {
		return signalFailure(e.ctx, err)
	}
	for _, c := range cleaned {
		g.infof("note: %s\n", c)
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Bucket  string          `json:"bucket"`
			Prefix  string          `json:"prefix"`
			Uploads []pendingUpload `json:"uploads"`
		}{e.target.Bucket, e.target.Key, nonNil(list)})
	}
	printUploads(g.stdout, list)
	return nil
}

func nonNil(l []pendingUpload) []pendingUpload {
	if l == nil {
		return []pendingUpload{}
	}
	return l
}

func printUploads(w io.Writer, list []pendingUpload) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no unfinished multipart uploads")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tUPLOAD ID\tSTARTED\tLOCAL JOURNAL")
	for _, p := range list {
		local := "-"
		if p.Source != "" {
			local = fmt.Sprintf("%s (%d parts journaled)", p.Source, p.Parts)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Key, p.UploadID, p.Initiated.Local().Format(time.RFC3339), local)
	}
	tw.Flush()
}

func runUploadsAbort(cmd *cobra.Command, g *globalOptions, o *uploadsOptions, arg string) error {
	if (o.uploadID == "") == (o.olderThan == "") {
		return usagef(errors.New("give exactly one of --upload-id ID (with s3://BUCKET/KEY) or --older-than AGE (with s3://BUCKET[/PREFIX])"))
	}
	var age time.Duration
	if o.olderThan != "" {
		var err error
		if age, err = parseAge(o.olderThan); err != nil {
			return usagef(err)
		}
	}
	e, stop, err := o.env(cmd, g, arg)
	if err != nil {
		return err
	}
	defer stop()
	if o.uploadID != "" && e.target.Key == "" {
		return usagef(errors.New("--upload-id needs the object: s3://BUCKET/KEY"))
	}
	var victims []pendingUpload
	if o.uploadID != "" {
		victims = []pendingUpload{{Key: e.target.Key, UploadID: o.uploadID}}
	} else {
		list, _, err := e.pending()
		if err != nil {
			return signalFailure(e.ctx, err)
		}
		cutoff := time.Now().Add(-age)
		for _, p := range list {
			if p.Initiated.Before(cutoff) {
				victims = append(victims, p)
			}
		}
	}
	failed := 0
	for _, v := range victims {
		// An upload whose journal is locked is being sent right now by
		// another uploader: its age alone must not kill it.
		if v.Source != "" {
			j, err := e.store.Lock(journal.Identity{Source: v.Source, Bucket: e.target.Bucket, Key: v.Key})
			var locked *journal.LockedError
			if errors.As(err, &locked) {
				fmt.Fprintf(g.stderr, "uploader: skipped s3://%s/%s (upload %s): %v\n", e.target.Bucket, v.Key, v.UploadID, err)
				continue
			}
			if err == nil {
				j.Close()
			}
		}
		_, err := e.client.AbortMultipartUpload(e.ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(e.target.Bucket), Key: aws.String(v.Key), UploadId: aws.String(v.UploadID)})
		if err != nil && diagnose.ErrorCode(err) != "NoSuchUpload" {
			failed++
			fmt.Fprintf(g.stderr, "uploader: aborting %s (%s): %v\n", v.Key, v.UploadID, err)
			continue
		}
		g.infof("aborted s3://%s/%s (upload %s)\n", e.target.Bucket, v.Key, v.UploadID)
	}
	// The journals of aborted uploads are now stale.
	_, cleaned, err := e.pending()
	if err != nil {
		fmt.Fprintf(g.stderr, "uploader: the aborts are done, but removing their local journals failed (uploads list will retry): %v\n", err)
	}
	for _, c := range cleaned {
		g.infof("note: %s\n", c)
	}
	if o.olderThan != "" && len(victims) == 0 {
		g.infof("no unfinished multipart uploads older than %s under s3://%s/%s\n", o.olderThan, e.target.Bucket, e.target.Key)
	}
	if failed > 0 {
		return &exitError{code: ExitFailed, err: fmt.Errorf("%d of %d aborts failed", failed, len(victims)), reported: true}
	}
	return nil
}
