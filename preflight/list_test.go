package preflight

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
)

type listAnswer struct {
	err error
	in  *s3.ListObjectsV2Input
}

func (l *listAnswer) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	l.in = in
	return &s3.ListObjectsV2Output{}, l.err
}

// A set that skips needs s3:ListBucket: allowed is a PASS, denied a FAIL
// with list_denied and the statement, throttled a WARN.
func TestCheckList(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want Status
		code diagnose.Code
	}{
		{"allowed", nil, Pass, ""},
		{"denied", s3Err("ListObjectsV2", 403, "AccessDenied", "Access Denied"), Fail, diagnose.ListDenied},
		{"throttled", s3Err("ListObjectsV2", 503, "SlowDown", "slow down"), Warn, ""},
	} {
		l := &listAnswer{err: tt.err}
		rep := Report{Verdict: Pass, Principal: "arn:aws:iam::111122223333:user/u"}
		if err := CheckList(context.Background(), l, &rep, "bk", "p/"); err != nil {
			t.Fatal(err)
		}
		c := rep.Checks[len(rep.Checks)-1]
		if c.Name != CheckListing || c.Status != tt.want || c.Code != tt.code || rep.Verdict != tt.want || rep.Requests != 1 {
			t.Errorf("%s: %+v, verdict %s", tt.name, c, rep.Verdict)
		}
		if tt.code != "" && !strings.Contains(c.Remedy, "arn:aws:s3:::bk") {
			t.Errorf("%s: remedy %q", tt.name, c.Remedy)
		}
		if aws.ToString(l.in.Prefix) != "p" || aws.ToString(l.in.StartAfter) != "p." || aws.ToInt32(l.in.MaxKeys) != 1 {
			t.Errorf("%s: request %+v", tt.name, l.in)
		}
	}
}

// After a preflight that got no answer, the listing is not tried: its
// check is a SKIP, no request is sent, and the verdict stays INCONCLUSIVE.
func TestCheckListAfterNoAnswer(t *testing.T) {
	l := &listAnswer{}
	rep := Report{Verdict: Inconclusive, Reason: "cannot reach https://s3.local (S3): i/o timeout"}
	if err := CheckList(context.Background(), l, &rep, "bk", "p/"); err != nil {
		t.Fatal(err)
	}
	c := rep.Checks[len(rep.Checks)-1]
	if c.Name != CheckListing || c.Status != Skip || !strings.Contains(c.Detail, "i/o timeout") || rep.Verdict != Inconclusive || rep.Requests != 0 || l.in != nil {
		t.Errorf("check %+v, verdict %s, %d requests, request %+v", c, rep.Verdict, rep.Requests, l.in)
	}
}
