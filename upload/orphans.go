package upload

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
)

// orphaned deals with the upload a corrupt journal leaves behind, so it is
// not left on S3, billed and named nowhere. The upload the journal still
// names is aborted; when none can be read from it, the key's unfinished
// uploads are listed (where the client can and S3 allows it) with the
// command that aborts each. An upload the journal does not name is never
// aborted: it may be another host's live upload.
func (s *session) orphaned(ctx context.Context, corrupt *journal.CorruptError) {
	if id := corrupt.UploadID; id != "" {
		err := s.abort(ctx, id)
		switch {
		case err == nil:
			s.note("%v; it named upload %s, which was aborted (no parts left behind); starting a new upload", corrupt, id)
		case diagnose.ErrorCode(err) == "NoSuchUpload":
			s.note("%v; the upload it named (%s) no longer exists; starting a new upload", corrupt, id)
		default:
			s.note("%v; aborting the upload it named (%s) failed (%v): it is left for the caller to abort (Result.Unfinished); starting a new upload",
				corrupt, id, err)
			s.unfinishedUploads = append(s.unfinishedUploads, PendingUpload{Bucket: s.in.Bucket, Key: s.in.Key, UploadID: id})
		}
		return
	}
	s.note("%v; it names no upload that can be trusted, so none was aborted; %s; starting a new upload", corrupt, s.unfinished(ctx))
}

// unfinished says which unfinished uploads the key has, for the user to
// judge (only they know whether another host is uploading the same key),
// and keeps them for Result.Unfinished: a program names its own way to
// abort each.
func (s *session) unfinished(ctx context.Context) string {
	lister, ok := s.client.(UploadsClient)
	if !ok {
		return fmt.Sprintf("list the unfinished uploads of %s (ListUploads) and abort those no other uploader is using", s.target())
	}
	ups, err := listAllMultipartUploads(ctx, lister, s.in.Bucket, s.in.Key)
	if err != nil {
		return fmt.Sprintf("the unfinished uploads of %s could not be listed (%s): list them (ListUploads) and abort those no other uploader is using", s.target(), diagnose.ErrorCode(err))
	}
	var found []string
	for _, u := range ups {
		if u.Key != s.in.Key {
			continue
		}
		found = append(found, fmt.Sprintf("%s (started %s)", u.UploadID, u.Initiated.UTC().Format(time.RFC3339)))
		s.unfinishedUploads = append(s.unfinishedUploads, PendingUpload{Bucket: s.in.Bucket, Key: s.in.Key, UploadID: u.UploadID, Initiated: u.Initiated})
	}
	if len(found) == 0 {
		return s.target() + " has no unfinished upload"
	}
	return fmt.Sprintf("%s has %d unfinished upload(s); abort those no other uploader is using (Result.Unfinished): %s", s.target(), len(found), strings.Join(found, "; "))
}

func (s *session) target() string { return "s3://" + s.in.Bucket + "/" + s.in.Key }
