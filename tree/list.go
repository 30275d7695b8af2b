package tree

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ListAPI is the call the skip rule's listing makes: *s3.Client has it.
type ListAPI interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// HeadAPI is the call SkipContent makes for a file whose size matches.
type HeadAPI interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

var (
	_ ListAPI = (*s3.Client)(nil)
	_ HeadAPI = (*s3.Client)(nil)
)

// Listed is what the listing says of one key.
type Listed struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// listing streams ListObjectsV2 of a prefix, one page (up to 1,000 keys)
// at a time, and answers Find for keys asked in ascending order: the
// merge of the walk with the listing. It never holds more than a page.
type listing struct {
	c    ListAPI
	in   s3.ListObjectsV2Input
	page []types.Object
	i    int
	done bool
}

// newListing lists bucket under prefix ("" or ending in '/').
//
// The request's Prefix is the prefix without its last '/', and StartAfter
// skips the keys that sort before prefix ("p." sorts just before "p/"): a
// query with no percent-encoded '/' when the prefix has one '/', which some
// S3-compatible servers (moto 5.2.1) cannot sign-check, for the same keys.
// Keys such as "p.x" that still come through are never asked for, and the
// merge passes over them; the listing is never read past the last key
// asked for plus one page.
func newListing(c ListAPI, bucket, prefix string) *listing {
	l := &listing{c: c}
	l.in = s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1000)}
	if p, ok := strings.CutSuffix(prefix, "/"); ok {
		l.in.Prefix = aws.String(p)
		l.in.StartAfter = aws.String(p + ".")
	} else if prefix != "" {
		l.in.Prefix = aws.String(prefix)
	}
	return l
}

// Find returns what the listing says of key (nil: no such object). Keys
// must be asked in ascending byte order, as the walk yields them.
func (l *listing) Find(ctx context.Context, key string) (*Listed, error) {
	for {
		for l.i < len(l.page) {
			o := l.page[l.i]
			switch c := strings.Compare(aws.ToString(o.Key), key); {
			case c < 0:
				l.i++
				continue
			case c == 0:
				l.i++
				return &Listed{Key: key, Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified)}, nil
			}
			return nil, nil
		}
		if l.done {
			return nil, nil
		}
		if err := l.next(ctx); err != nil {
			return nil, err
		}
	}
}

func (l *listing) next(ctx context.Context) error {
	out, err := l.c.ListObjectsV2(ctx, &l.in)
	if err != nil {
		return err
	}
	l.page, l.i = out.Contents, 0
	if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
		l.done = true
	}
	l.in.ContinuationToken = out.NextContinuationToken
	l.in.StartAfter = nil // the token carries the position
	return nil
}
