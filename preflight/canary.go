package preflight

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/uploader-dev/uploader/internal/diagnose"
	"github.com/uploader-dev/uploader/internal/netpolicy"
	"github.com/uploader-dev/uploader/upload"
)

type cnOutcome int

const (
	cnNotRun       cnOutcome = iota // skipped; the row says why
	cnOK                            // every step allowed
	cnCreateDenied                  // CreateMultipartUpload denied
	cnHeaderDenied                  // denied with the upload's tags or ACL, allowed without: their permission is missing
	cnPartDenied                    // CreateMultipartUpload allowed, UploadPart denied
	cnFailed                        // another failure S3 explained (KMS key state, ...): FAIL
	cnError                         // could not run (network, 5xx): SKIP
)

type canaryResult struct {
	outcome cnOutcome
	err     error
	key     string // the temporary object key
	part    bool   // UploadPart was part of the canary (multipart plan)
	row     int
	cleanup *Check // the abort failed: a row of its own after the canary's
}

// createGrace bounds the wait for S3's answer to the canary's create after
// a cancel (its abort then takes up to netpolicy.CancelledCleanupTimeout).
const createGrace = 5 * time.Second

// maxKeyLen is S3's limit on an object key, in bytes of UTF-8.
const maxKeyLen = 1024

// canaryKey is a temporary key beside the target, so bucket-policy and
// IAM conditions on the prefix apply to it as they will to the upload.
// A target near S3's key limit is cut at the limit, on a rune boundary,
// so the canary key stays within it: only the end of the key goes (the
// end of its last path segment, unless the prefix alone is that long).
func canaryKey(key string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	suffix := ".uploader-preflight-" + hex.EncodeToString(b[:])
	if room := maxKeyLen - len(suffix); len(key) > room {
		cut := room
		for cut > 0 && !utf8.RuneStart(key[cut]) {
			cut--
		}
		key = key[:cut]
	}
	return key + suffix
}

// canary goes through S3 itself, with the upload's own requests (built by
// upload.Requests: encryption, ACL, tagging, storage class, metadata,
// checksums): S3 checks every permission they need and calls KMS as the
// requester exactly as it will for the upload (GenerateDataKey at create,
// Decrypt at the part), through every bucket policy and SCP. Nothing is
// written: the upload is always aborted.
func (r *run) canary(ctx context.Context) {
	c := Check{Name: CheckCanary}
	why, down := r.downSkip("S3")
	switch {
	case !r.o.Canary:
		c.Status, c.Detail = Skip, "turned off: S3 was not asked, so a key usable only through S3 (kms:ViaService) cannot be told from a missing permission"
	case r.noCreds:
		c.Status, c.Detail = Skip, r.noCredsWhy
	case r.bucketMissing:
		c.Status, c.Detail = Skip, "not run: the bucket does not exist"
	case r.keyBad:
		c.Status, c.Detail = Skip, "not run: the key cannot be used (see key)"
	case down:
		c.Status, c.Detail = Skip, why
	case r.requests+3 > MaxRequests:
		c.Status, c.Detail = Skip, budgetSkip
	default:
		c = r.doCanary(ctx)
		if ctx.Err() != nil {
			c.Status, c.Detail = Skip, "cancelled (the canary upload was aborted)"
		}
	}
	r.cn.row = r.add(c)
	if r.cn.cleanup != nil {
		r.add(*r.cn.cleanup)
	}
}

// requests builds the upload's requests for the canary's temporary key.
func (r *run) canaryRequests() upload.Requests {
	in := r.o.Input
	in.Bucket, in.Key, in.SSE = r.o.Bucket, r.cn.key, r.o.SSE
	in.Body, in.Size, in.SourcePath, in.Stop = nil, 0, "", nil
	return upload.NewRequests(in, upload.Options{Checksum: r.o.Checksum, NoChecksum: r.o.NoChecksum})
}

func (r *run) doCanary(ctx context.Context) Check {
	c := Check{Name: CheckCanary}
	r.cn.key = canaryKey(r.o.Key)
	r.cn.part = r.o.Plan.Multipart
	reqs := r.canaryRequests()
	in := reqs.CreateMultipartUpload()
	steps := "CreateMultipartUpload"
	out, err := r.create(ctx, in)
	if err != nil {
		if ctx.Err() != nil {
			return c
		}
		return r.canaryFailure(ctx, "CreateMultipartUpload", in, err)
	}
	uploadID := aws.ToString(out.UploadId)
	if ctx.Err() != nil {
		r.abort(ctx, uploadID)
		return c
	}
	if r.cn.part {
		steps += ", UploadPart (1 byte)"
		r.spend()
		one := []byte{0}
		_, err = r.c.S3.UploadPart(ctx, reqs.UploadPart(uploadID, 1, bytes.NewReader(one), 1, reqs.Checksum(one)), r.s3Opts()...)
	}
	r.abort(ctx, uploadID)
	if err != nil {
		if ctx.Err() != nil {
			return c
		}
		return r.canaryFailure(ctx, "UploadPart", in, err)
	}
	r.cn.outcome = cnOK
	c.Status = Pass
	c.Detail = fmt.Sprintf("%s allowed on %s with the upload's headers (%s); aborted, nothing written", steps, r.cn.key, headerList(in))
	return c
}

// create sends one canary CreateMultipartUpload. A Ctrl-C while S3
// answers does not drop the answer: S3 made the upload, and only its id
// lets the canary abort it (the caller does, cancelled or not).
func (r *run) create(ctx context.Context, in *s3.CreateMultipartUploadInput) (*s3.CreateMultipartUploadOutput, error) {
	r.spend()
	cctx, cancel := netpolicy.Outlive(ctx, createGrace)
	defer cancel()
	return r.c.S3.CreateMultipartUpload(cctx, in, r.s3Opts()...)
}

// headerList names the headers the canary sent beyond the bucket and key,
// so the row says what was proved.
func headerList(in *s3.CreateMultipartUploadInput) string {
	var h []string
	if in.ServerSideEncryption != "" {
		h = append(h, "encryption "+string(in.ServerSideEncryption))
	} else {
		h = append(h, "the bucket's default encryption")
	}
	if in.ACL != "" {
		h = append(h, "ACL "+string(in.ACL))
	}
	if in.Tagging != nil {
		h = append(h, "tags")
	}
	if in.StorageClass != "" {
		h = append(h, "storage class "+string(in.StorageClass))
	}
	if len(in.Metadata) > 0 {
		h = append(h, "metadata")
	}
	if in.ChecksumAlgorithm != "" {
		h = append(h, "checksum "+string(in.ChecksumAlgorithm))
	}
	return strings.Join(h, ", ")
}

// abort ends the canary upload even when ctx is cancelled: a forgotten
// upload is billed until a lifecycle rule or someone removes it.
func (r *run) abort(ctx context.Context, uploadID string) {
	actx, cancel := netpolicy.Cleanup(ctx)
	defer cancel()
	r.requests++ // never skipped for the budget: Run keeps room for it
	_, err := r.c.S3.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(r.o.Bucket), Key: aws.String(r.cn.key), UploadId: aws.String(uploadID),
	}, r.s3Opts()...)
	if err == nil {
		return
	}
	r.cn.cleanup = &Check{Name: CheckCleanup, Status: Warn,
		Detail: fmt.Sprintf("could not abort the canary upload %s of s3://%s/%s (%s)", uploadID, r.o.Bucket, r.cn.key, evidence("AbortMultipartUpload", err)),
		Remedy: fmt.Sprintf("Abort it, or it is billed until a lifecycle rule removes it: `aws s3api abort-multipart-upload --bucket %s --key '%s' --upload-id '%s'` (needs s3:AbortMultipartUpload).", r.o.Bucket, r.cn.key, uploadID)}
}

// canaryFailure records a failed canary step; a denial's row is settled by
// reconcile, which knows what the round trip proved.
func (r *run) canaryFailure(ctx context.Context, op string, in *s3.CreateMultipartUploadInput, err error) Check {
	c := Check{Name: CheckCanary, Operation: op}
	r.cn.err = err
	if diagnose.IsAccessDenied(err) {
		if op == "UploadPart" {
			r.cn.outcome = cnPartDenied
		} else if hc, ok := r.headerDenied(ctx, in, err); ok {
			return hc
		} else {
			r.cn.outcome = cnCreateDenied
		}
		c.Status = Fail
		c.Detail = fmt.Sprintf("S3 denied %s on %s (%s)", op, r.cn.key, evidence(op, err))
		return c
	}
	dc := r.diagContext(op)
	dc.MultipartCreated = op == "UploadPart"
	dc.Tagging, dc.ACL = in.Tagging != nil, in.ACL != ""
	d := diagnose.Classify(err, dc)
	if nd, ok := r.noAnswer(op, err); ok && nd.Code != diagnose.TLSUntrusted {
		r.cn.outcome = cnError
		c = noAnswerCheck(CheckCanary, nd)
		c.Operation = op
		return c
	}
	switch {
	case d == nil:
		// Not a verdict on the upload (5xx after retries).
		r.cn.outcome = cnError
		c.Status = Skip
		c.Detail = fmt.Sprintf("could not complete the canary: %s", evidence(op, err))
	case d.Code == diagnose.KMSThrottled:
		r.cn.outcome = cnError
		c.Status, c.Code = Warn, d.Code // transient: the upload retries it
		c.Detail = fmt.Sprintf("%s on %s throttled by KMS (%s)", op, r.cn.key, evidence(op, err))
		c.Remedy = d.Remedy
		c.Rerun = d.Rerun
	default:
		r.cn.outcome = cnFailed
		c.Status, c.Code, c.Remedy, c.Rerun = Fail, d.Code, d.Remedy, d.Rerun
		c.Detail = fmt.Sprintf("%s on %s failed (%s)", op, r.cn.key, evidence(op, err))
	}
	return c
}
