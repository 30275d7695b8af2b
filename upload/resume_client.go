package upload

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/checksum"
	"github.com/uploader-dev/uploader/internal/journal"
)

// resumeClient journals the upload and replays an earlier run: its
// CreateMultipartUpload returns the known upload id, and its UploadPart
// answers for a finished part with the recorded ETag and checksum without
// reading or sending a byte. manager sees an ordinary upload.
type resumeClient struct {
	Client
	s *session
}

func (c *resumeClient) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	if p := c.s.prior; p != nil {
		return &s3.CreateMultipartUploadOutput{Bucket: in.Bucket, Key: in.Key, UploadId: aws.String(p.uploadID)}, nil
	}
	out, err := c.Client.CreateMultipartUpload(ctx, in, optFns...)
	if err != nil {
		return out, err
	}
	s := c.s
	rec := journal.Record{
		Identity: journal.Identity{Source: s.src.path, Bucket: s.in.Bucket, Key: s.in.Key},
		Settings: s.settings(), UploadID: aws.ToString(out.UploadId), Created: time.Now().UTC(),
	}
	if err := s.jr.Begin(rec); err != nil {
		// Without a journal a crash would orphan the upload: do not start.
		aerr := abort(ctx, s.base, s.in.Bucket, s.in.Key, rec.UploadID)
		if aerr != nil {
			return nil, fmt.Errorf("writing the resume journal: %w (and %v)", err, aerr)
		}
		return nil, fmt.Errorf("writing the resume journal: %w", err)
	}
	return out, nil
}

func (c *resumeClient) UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	n := aws.ToInt32(in.PartNumber)
	if p := c.s.prior; p != nil {
		if done, ok := p.done[n]; ok {
			out := &s3.UploadPartOutput{ETag: aws.String(done.ETag)}
			if !c.s.opts.NoChecksum {
				sum, err := checksum.Decode(done.Checksum)
				if err != nil {
					return nil, fmt.Errorf("journal checksum of part %d: %w", n, err)
				}
				c.s.sums.add(n, sum, done.Size)
				// manager copies it into CompleteMultipartUpload's part list.
				checksum.SetUploadPartOutput(out, c.s.opts.Checksum, done.Checksum)
			}
			return out, nil
		}
	}
	out, err := c.Client.UploadPart(ctx, in, optFns...)
	if err != nil {
		return out, err
	}
	part := journal.Part{Number: n, Size: aws.ToInt64(in.ContentLength), ETag: aws.ToString(out.ETag)}
	if part.Size == 0 {
		part.Size = bodyLen(in.Body)
	}
	if !c.s.opts.NoChecksum {
		// The checksum decorator leaves the part's checksum on the output.
		part.Checksum = checksum.FromUploadPart(out, c.s.opts.Checksum)
	}
	if err := c.s.jr.AddPart(part); err != nil {
		return out, fmt.Errorf("recording part %d in the resume journal: %w", n, err)
	}
	return out, nil
}

func (c *resumeClient) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	out, err := c.Client.CompleteMultipartUpload(ctx, in, optFns...)
	if err == nil {
		// A crash before this line is handled by alreadyComplete.
		if rerr := c.s.jr.Remove(); rerr != nil {
			c.s.note("the upload completed, but its journal %s could not be removed: %v", c.s.jr.Path(), rerr)
		}
	}
	return out, err
}
