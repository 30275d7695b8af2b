package upload

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
)

// UploadsClient is the part of the S3 API that listing and aborting
// unfinished multipart uploads needs. It is apart from Client so that
// fakes of the engine's client need not grow. *s3.Client satisfies it.
type UploadsClient interface {
	ListMultipartUploads(ctx context.Context, in *s3.ListMultipartUploadsInput, optFns ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

var _ UploadsClient = (*s3.Client)(nil)

// PendingUpload is an unfinished multipart upload on S3, with what the
// local journal that matches it says (the Journal fields are zero when no
// journal matches: the upload was started elsewhere, or by a stream).
type PendingUpload struct {
	Bucket    string
	Key       string
	UploadID  string
	Initiated time.Time // as S3 reports it; zero when it does not

	// Source is the file the matching journal uploads, "" when none
	// matches. A rerun of cp from this file resumes the upload.
	Source string
	// JournaledParts and JournaledBytes are the parts the journal records
	// as acknowledged by S3.
	JournaledParts int
	JournaledBytes int64
}

// CleanedJournal is a local journal removed because S3 no longer has its
// upload (it was completed, aborted, or ended by a lifecycle rule).
type CleanedJournal struct {
	Source, Bucket, Key string
	UploadID            string
}

// String names the journal as resume messages do: "/path -> s3://b/k".
func (c CleanedJournal) String() string {
	return journal.Identity{Source: c.Source, Bucket: c.Bucket, Key: c.Key}.String()
}

// ListUploadsOptions say which uploads to list.
type ListUploadsOptions struct {
	Bucket string
	// Prefix limits the listing to keys that start with it; "" lists the
	// whole bucket.
	Prefix string
	// Journals are matched with the uploads, and those of this bucket and
	// prefix whose upload S3 no longer lists are removed. Nil: no journal
	// is read or removed.
	Journals *Journals
}

// UploadList is what ListUploads found.
type UploadList struct {
	// Uploads are in S3's order: by key, then by initiation time.
	Uploads []PendingUpload
	// Cleaned are the journals removed because their upload is gone.
	Cleaned []CleanedJournal
}

// ListUploads lists the unfinished multipart uploads under a bucket and
// prefix (every page), matches them with the local journals, and removes
// the journals of this bucket and prefix whose upload is gone. A journal
// locked by a running upload is never removed.
//
// A listing S3 refuses for a reason diagnose can explain (access denied,
// no such bucket, wrong region, credentials) is returned as a *Diagnosis.
func ListUploads(ctx context.Context, c UploadsClient, o ListUploadsOptions) (UploadList, error) {
	if o.Bucket == "" {
		return UploadList{}, errors.New("list multipart uploads: no bucket")
	}
	ups, err := listAllMultipartUploads(ctx, c, o.Bucket, o.Prefix)
	if err != nil {
		return UploadList{}, err
	}
	recs := journalRecords(o.Journals)
	byID := make(map[string]journal.Record, len(recs))
	for _, r := range recs {
		byID[r.UploadID] = r
	}
	var list UploadList
	live := make(map[string]bool, len(ups))
	for _, u := range ups {
		live[u.UploadID] = true
		if r, ok := byID[u.UploadID]; ok && r.Identity.Bucket == u.Bucket && r.Identity.Key == u.Key {
			u.Source, u.JournaledParts, u.JournaledBytes = r.Identity.Source, len(r.Parts), r.Bytes()
		}
		list.Uploads = append(list.Uploads, u)
	}
	for _, r := range recs {
		if r.Identity.Bucket != o.Bucket || !strings.HasPrefix(r.Identity.Key, o.Prefix) || live[r.UploadID] {
			continue
		}
		if removeJournalOfUpload(o.Journals, r.Identity, r.UploadID) {
			list.Cleaned = append(list.Cleaned, cleanedJournal(r.Identity, r.UploadID))
		}
	}
	return list, nil
}

// listAllMultipartUploads reads every page of ListMultipartUploads.
func listAllMultipartUploads(ctx context.Context, c UploadsClient, bucket, prefix string) ([]PendingUpload, error) {
	var ups []PendingUpload
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for {
		out, err := c.ListMultipartUploads(ctx, in)
		if err != nil {
			if d := diagnose.Classify(err, diagnose.Context{Operation: "ListMultipartUploads", Bucket: bucket}); d != nil {
				return nil, d
			}
			return nil, err
		}
		for _, u := range out.Uploads {
			ups = append(ups, PendingUpload{Bucket: bucket, Key: aws.ToString(u.Key), UploadID: aws.ToString(u.UploadId), Initiated: aws.ToTime(u.Initiated)})
		}
		if !aws.ToBool(out.IsTruncated) {
			return ups, nil
		}
		// A truncated page without a marker would list the first page
		// forever.
		if aws.ToString(out.NextKeyMarker) == "" && aws.ToString(out.NextUploadIdMarker) == "" {
			return nil, errors.New("list multipart uploads: S3 said the listing is truncated but gave no marker to continue from")
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// journalRecords reads the store's journals; one that cannot be read is
// left out (and left in place: cp reports it when it meets it).
func journalRecords(js *Journals) []journal.Record {
	if js == nil {
		return nil
	}
	recs, _ := js.s.List()
	return recs
}

// removeJournalOfUpload removes id's journal if it still records uploadID:
// between a listing and now, a cp may have replaced it with a new upload
// of the same file, which must stay. A journal held by a running cp is
// left. It reports whether the journal was removed.
func removeJournalOfUpload(js *Journals, id journal.Identity, uploadID string) bool {
	if js == nil {
		return false
	}
	j, err := js.s.Lock(id)
	if err != nil {
		return false
	}
	defer j.Close()
	rec, err := j.Load()
	if err != nil || rec == nil || rec.UploadID != uploadID {
		return false
	}
	return j.Remove() == nil
}

func cleanedJournal(id journal.Identity, uploadID string) CleanedJournal {
	return CleanedJournal{Source: id.Source, Bucket: id.Bucket, Key: id.Key, UploadID: uploadID}
}
