package upload

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/journal"
	"github.com/uploader-dev/uploader/internal/size"
)

// settings are what a journal's parts depend on.
func (s *session) settings() journal.Settings {
	ck := "none"
	if !s.u.opts.NoChecksum {
		ck = string(s.u.opts.Checksum) + "/" + string(s.u.opts.Checksum.ObjectType())
	}
	return journal.Settings{Size: s.src.size, ModTime: s.src.modTime, PartSize: s.plan.PartSize, SSE: s.in.SSE.normalized(), Checksum: ck}
}

// reconcile reads the journal and checks it against S3. It returns a
// Result when an earlier run already completed the object, adopts the
// journal's upload (its id and the parts S3 still has with the recorded
// size, ETag and checksum) when there is one to resume, and otherwise
// leaves a fresh start.
func (s *session) reconcile(ctx context.Context) (*Result, error) {
	rec, err := s.jr.Load()
	var corrupt *journal.CorruptError
	switch {
	case errors.As(err, &corrupt):
		s.orphaned(ctx, corrupt)
		return nil, nil
	case err != nil:
		return nil, err
	case rec == nil:
		return nil, nil
	}
	ok, why := rec.Matches(s.settings())
	if s.u.opts.NoResume {
		ok, why = false, "a new upload was asked for"
	}
	if !ok {
		aerr := s.abort(ctx, rec.UploadID)
		if aerr != nil && diagnose.ErrorCode(aerr) != "NoSuchUpload" {
			s.note("the interrupted upload %s no longer matches (%s) and could not be aborted: %v", rec.UploadID, why, aerr)
		} else {
			s.note("the interrupted upload %s no longer matches (%s): aborted it, starting over", rec.UploadID, why)
		}
		return nil, s.jr.Remove()
	}
	listed, err := s.listParts(ctx, rec.UploadID)
	if diagnose.ErrorCode(err) == "NoSuchUpload" {
		res, err := s.alreadyComplete(ctx, rec)
		if err != nil || res != nil {
			if res != nil {
				err = s.jr.Remove()
			}
			return res, err
		}
		s.note("the interrupted upload %s no longer exists on S3 (aborted, or expired by a lifecycle rule): starting over", rec.UploadID)
		return nil, s.jr.Remove()
	}
	if diagnose.IsAccessDenied(err) {
		// Without s3:ListMultipartUploadParts the parts cannot be checked,
		// and unchecked parts are never trusted: start over.
		aerr := s.abort(ctx, rec.UploadID)
		s.note("cannot check the interrupted upload %s (ListParts denied: it needs s3:ListMultipartUploadParts); %s, starting over", rec.UploadID, abortedOrNot(aerr))
		return nil, s.jr.Remove()
	}
	if err != nil {
		return nil, s.explain(ctx, "ListParts", 0, err)
	}
	for _, p := range rec.SortedParts() {
		ok, err := s.partStillGood(p, listed[p.Number])
		if err != nil {
			return nil, err
		}
		if ok {
			s.parts.add(p)
		}
	}
	// Adopted: S3 created this upload for us, in an earlier run.
	s.uploadID, s.created, s.resumed = rec.UploadID, true, s.parts.bytes()
	s.note("resuming upload %s: %d of %d parts (%s) already uploaded", rec.UploadID, s.parts.count(), s.plan.Parts, size.Format(s.resumed))
	return nil, nil
}

// partStillGood: a journaled part counts only if S3 lists it with the
// recorded size and ETag and, where S3 lists part checksums, the checksum
// of the local bytes now.
func (s *session) partStillGood(p journal.Part, listed *types.Part) (bool, error) {
	if listed == nil || aws.ToInt64(listed.Size) != p.Size || aws.ToString(listed.ETag) != p.ETag {
		return false, nil
	}
	if p.Size != s.plan.PartLen(int(p.Number)) {
		return false, nil
	}
	if s.u.opts.NoChecksum {
		return true, nil
	}
	if p.Checksum == "" {
		return false, nil // we need it for the object checksum: send again
	}
	server := checksum.FromPart(*listed, s.u.opts.Checksum)
	if server == "" {
		return true, nil // the server lists none (moto): size, ETag and the unchanged source must do
	}
	bp := s.u.readBufs.Get().(*[]byte)
	defer s.u.readBufs.Put(bp)
	local, err := checksum.SumAt(s.u.opts.Checksum, s.ra, int64(p.Number-1)*s.plan.PartSize, p.Size, *bp)
	if err != nil {
		return false, fmt.Errorf("reading part %d of %s to check it: %w", p.Number, s.src.path, err)
	}
	if checksum.Encode(local) != server || p.Checksum != server {
		s.note("part %d on S3 differs from the source's bytes: sending it again", p.Number)
		return false, nil
	}
	return true, nil
}

// listParts returns every part S3 has for the upload, by number.
func (s *session) listParts(ctx context.Context, uploadID string) (map[int32]*types.Part, error) {
	out := map[int32]*types.Part{}
	in := &s3.ListPartsInput{Bucket: aws.String(s.in.Bucket), Key: aws.String(s.in.Key), UploadId: aws.String(uploadID)}
	for {
		page, err := s.client.ListParts(ctx, in, s.wire.call("ListParts", 0)...)
		if err != nil {
			return nil, err
		}
		for i := range page.Parts {
			p := page.Parts[i]
			out[aws.ToInt32(p.PartNumber)] = &p
		}
		if !aws.ToBool(page.IsTruncated) || page.NextPartNumberMarker == nil {
			return out, nil
		}
		in.PartNumberMarker = page.NextPartNumberMarker
	}
}

// alreadyComplete handles a crash between CompleteMultipartUpload and the
// journal's removal: the upload is gone, and the object is there if it has
// the source's size and checksum. Without a usable checksum from the
// server, an object with the right size and part count written after the
// upload began is taken as ours, and said to be unverified.
func (s *session) alreadyComplete(ctx context.Context, rec *journal.Record) (*Result, error) {
	head, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.in.Bucket), Key: aws.String(s.in.Key), ChecksumMode: types.ChecksumModeEnabled}, s.wire.call("HeadObject", 0)...)
	if err != nil {
		if diagnose.HTTPStatus(err) == 404 {
			return nil, nil
		}
		return nil, s.explain(ctx, "HeadObject", 0, err)
	}
	if aws.ToInt64(head.ContentLength) != s.src.size || len(rec.Parts) != s.plan.Parts {
		return nil, nil
	}
	res := &Result{Bucket: s.in.Bucket, Key: s.in.Key, Size: s.src.size, Plan: s.plan, Parts: s.plan.Parts, UploadID: rec.UploadID, Resumed: s.src.size}
	res.stored(head.ETag, head.VersionId, head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled)
	if !s.u.opts.NoChecksum {
		expected, ok := journalChecksum(s.u.opts.Checksum, rec)
		got, _ := checksum.FromHead(head, s.u.opts.Checksum)
		res.ChecksumAlgorithm, res.ChecksumType, res.Checksum = string(s.u.opts.Checksum), string(s.u.opts.Checksum.ObjectType()), expected
		if ok && wellFormed(s.u.opts.Checksum, got) {
			if got != expected {
				return nil, nil // someone else's object: upload ours again
			}
			res.ChecksumVerified = true
			res.Notes = []string{fmt.Sprintf("the interrupted upload %s had already completed: nothing to send", rec.UploadID)}
			return res, nil
		}
	}
	tag := aws.ToString(head.ETag)
	if head.LastModified == nil || head.LastModified.Before(rec.Created.Truncate(1e9)) || !strings.HasSuffix(strings.Trim(tag, `"`), fmt.Sprintf("-%d", s.plan.Parts)) {
		return nil, nil
	}
	res.Notes = []string{fmt.Sprintf("the interrupted upload %s had already completed (same size and part count, written after it began; the server reports no usable checksum, so the bytes were not verified): nothing to send", rec.UploadID)}
	return res, nil
}

// journalChecksum is the object checksum derived from the journal's
// parts, when they are all there with their checksums.
func journalChecksum(alg checksum.Algorithm, rec *journal.Record) (string, bool) {
	parts := rec.SortedParts()
	for i, p := range parts {
		if p.Number != int32(i+1) {
			return "", false
		}
	}
	sum, err := objectChecksum(alg, parts)
	return sum, err == nil
}

func abortedOrNot(err error) string {
	if err != nil {
		return fmt.Sprintf("it could not be aborted either (%v)", err)
	}
	return "aborted it"
}
