package upload_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/upload"
)

// Housekeeping around uploads: list what is left unfinished under a
// prefix (with the local journals a rerun would resume from), then abort
// what is older than a week, except uploads running right now. Compiled,
// not run: it needs AWS.
func ExampleAbortUploadsOlderThan() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	client := s3.NewFromConfig(cfg)
	journals, err := upload.OpenJournals("")
	if err != nil {
		log.Fatal(err)
	}
	list, err := upload.ListUploads(ctx, client, upload.ListUploadsOptions{Bucket: "backups", Prefix: "db/", Journals: journals})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range list.Uploads {
		fmt.Println(u.Key, u.UploadID, u.Initiated, u.Source)
	}
	rep, err := upload.AbortUploadsOlderThan(ctx, client, upload.AbortOlderThanOptions{
		Bucket: "backups", Prefix: "db/", OlderThan: 7 * 24 * time.Hour, Journals: journals})
	for _, r := range rep.Results {
		var locked *upload.LockedError
		switch {
		case r.Err == nil:
			fmt.Println("aborted", r.Upload.Key)
		case errors.As(r.Err, &locked):
			fmt.Println("running, left alone:", r.Upload.Key)
		case r.Failed():
			fmt.Println("abort failed:", r.Upload.Key, r.Err)
		}
	}
	if err != nil {
		log.Fatal(err)
	}
}

// An embedder that skips the preflight still gets diagnoses that name the
// principal, and can see every HTTP exchange (redacted) in its own log.
// Compiled, not run: it needs AWS.
func ExampleLookupPrincipal() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := s3.NewFromConfig(cfg, upload.DebugLogging(logger))
	stsClient := sts.NewFromConfig(cfg)
	// Then u.Upload(ctx, in) as usual.
	u := upload.New(client, upload.Options{Diagnostics: upload.Diagnostics{
		Region: cfg.Region,
		LookupPrincipal: func(ctx context.Context) (string, error) {
			return upload.LookupPrincipal(ctx, stsClient)
		},
	}})
	_ = u
}
