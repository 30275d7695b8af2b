package outside

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/uploader-dev/uploader/preflight"
	"github.com/uploader-dev/uploader/upload"
)

// preflightClients are the three SDK clients of one aws.Config.
func preflightClients(cfg aws.Config) preflight.Clients {
	return preflight.Clients{S3: s3.NewFromConfig(cfg), KMS: kms.NewFromConfig(cfg), STS: sts.NewFromConfig(cfg)}
}

// 4. The preflight, as Example_fromAWSConfig in package upload runs it:
// the plan from the Uploader, a canary, and the report's findings fed to
// the upload's diagnostics.
func TestPreflight(t *testing.T) {
	needStack(t)
	const size = 12 << 20
	src, sum := makeFile(t, "", "preflight.bin", size)

	t.Run("permitted", func(t *testing.T) {
		key := testKey(t, "preflight.bin")
		cfg := awsConfig(stack.Full)
		u := upload.New(s3.NewFromConfig(cfg), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2})
		plan, err := u.Plan(size)
		if err != nil || !plan.Multipart {
			t.Fatalf("Plan(%d) = %+v, %v: want multipart", size, plan, err)
		}
		rep, err := preflight.Run(testCtx(t), preflightClients(cfg), preflight.Options{
			Bucket: stack.Bucket, Key: key, SSE: kmsSSE(), Plan: plan, Concurrency: 2,
			Source: src, Canary: true, Region: cfg.Region,
		})
		if err != nil {
			t.Fatalf("preflight.Run: %v", err)
		}
		t.Logf("report:\n%s", reportText(rep))
		if rep.Failed() || rep.Verdict == preflight.Fail {
			t.Fatalf("verdict %s for a permitted user", rep.Verdict)
		}
		if rep.Principal != stack.Full.ARN || rep.KeyARN != stack.KeyARN || rep.Hint != "" || rep.Requests > preflight.MaxRequests {
			t.Errorf("report principal %q key %q hint %q requests %d", rep.Principal, rep.KeyARN, rep.Hint, rep.Requests)
		}
		for _, name := range []string{preflight.CheckIdentity, preflight.CheckKey, preflight.CheckRoundTrip, preflight.CheckCanary} {
			if c, ok := rep.Check(name); !ok || c.Status != preflight.Pass {
				t.Errorf("check %q: %+v (found %v), want PASS", name, c, ok)
			}
		}
		if left := pendingUploads(t, testPrefix(t)); len(left) != 0 {
			t.Errorf("the canary left %d uploads", len(left))
		}

		// The findings feed the diagnosis of a failure; the upload passes.
		u = upload.New(s3.NewFromConfig(cfg), upload.Options{PartSize: partSize, Threshold: threshold, Concurrency: 2,
			Diagnostics: upload.Diagnostics{Principal: rep.Principal, KeyARN: rep.KeyARN, Region: rep.BucketRegion, Hint: rep.Hint}})
		if _, err := uploadFile(testCtx(t), t, u, src, key); err != nil {
			t.Fatalf("Upload after a passing preflight: %v", err)
		}
		if got := getObject(t, key); got.SHA256 != sum {
			t.Fatalf("stored SHA-256 %s, the file's %s", got.SHA256, sum)
		}
	})

	t.Run("no kms:Decrypt, multipart", func(t *testing.T) {
		key := testKey(t, "preflight.bin")
		cfg := awsConfig(stack.NoDecrypt)
		plan, err := upload.MakePlan(size, upload.PlanOptions{Threshold: threshold, PartSize: partSize})
		if err != nil || !plan.Multipart {
			t.Fatalf("MakePlan(%d) = %+v, %v: want multipart", size, plan, err)
		}
		rep, err := preflight.Run(testCtx(t), preflightClients(cfg), preflight.Options{
			Bucket: stack.Bucket, Key: key, SSE: kmsSSE(), Plan: plan, Concurrency: 2,
			Source: src, Canary: true, Region: cfg.Region,
		})
		if err != nil {
			t.Fatalf("preflight.Run: %v", err)
		}
		t.Logf("report:\n%s", reportText(rep))
		if !rep.Failed() || rep.Verdict != preflight.Fail {
			t.Fatalf("verdict %s, want FAIL", rep.Verdict)
		}
		c, ok := rep.Check(preflight.CheckRoundTrip)
		if !ok || c.Status != preflight.Fail || c.Code != upload.MissingKMSDecrypt {
			t.Fatalf("round trip check %+v (found %v): want FAIL %s", c, ok, upload.MissingKMSDecrypt)
		}
		for _, s := range []string{"kms:Decrypt", stack.NoDecrypt.ARN, stack.KeyARN} {
			if !strings.Contains(c.Detail, s) || !strings.Contains(c.Remedy, s) {
				t.Errorf("round trip detail or remedy lacks %q:\n%s\n%s", s, c.Detail, c.Remedy)
			}
		}
		if rep.Hint != upload.MissingKMSDecrypt || rep.Principal != stack.NoDecrypt.ARN {
			t.Errorf("report hint %q principal %q", rep.Hint, rep.Principal)
		}
		if left := pendingUploads(t, testPrefix(t)); len(left) != 0 {
			t.Errorf("the canary left %d uploads", len(left))
		}
	})

	t.Run("no kms:Decrypt, one request", func(t *testing.T) {
		key := testKey(t, "small.bin")
		cfg := awsConfig(stack.NoDecrypt)
		plan, err := upload.MakePlan(100<<10, upload.PlanOptions{Threshold: threshold, PartSize: partSize})
		if err != nil || plan.Multipart {
			t.Fatalf("MakePlan = %+v, %v: want one request", plan, err)
		}
		rep, err := preflight.Run(testCtx(t), preflightClients(cfg), preflight.Options{
			Bucket: stack.Bucket, Key: key, SSE: kmsSSE(), Plan: plan, Canary: true, Region: cfg.Region,
		})
		if err != nil {
			t.Fatalf("preflight.Run: %v", err)
		}
		c, _ := rep.Check(preflight.CheckRoundTrip)
		if rep.Verdict != preflight.Warn || c.Status != preflight.Warn || c.Code != upload.MissingKMSDecrypt {
			t.Errorf("verdict %s, round trip %s %s: want WARN (a small file needs no kms:Decrypt)\n%s", rep.Verdict, c.Status, c.Code, reportText(rep))
		}
	})
}

func reportText(rep preflight.Report) string {
	var b strings.Builder
	for _, c := range rep.Checks {
		b.WriteString(string(c.Status) + " " + c.Name + " [" + string(c.Code) + "] " + c.Detail + "\n")
	}
	return b.String()
}

// lookupPrincipalFor is Diagnostics.LookupPrincipal as the package docs
// write it.
func lookupPrincipalFor(cfg aws.Config) func(context.Context) (string, error) {
	stsClient := sts.NewFromConfig(cfg)
	return func(ctx context.Context) (string, error) {
		return upload.LookupPrincipal(ctx, stsClient)
	}
}
