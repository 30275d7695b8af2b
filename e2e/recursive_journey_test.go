package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/teststack"
)

// The seed failure in a set, as a user lives it: without kms:Decrypt the
// set stops at the big file (exit 3, its upload kept); the same command
// again says the same and adopts the kept upload; once kms:Decrypt is
// granted, the command completes the set, resuming that upload.
func TestRecursiveDenialJourney(t *testing.T) {
	ctx := context.Background()
	noDecrypt := []string{"s3:*", "sts:GetCallerIdentity", "kms:GenerateDataKey", "kms:DescribeKey"}
	user, err := stack.NewUser(ctx, fmt.Sprintf("journey-set-%d", time.Now().UnixNano()), teststack.Policy(noDecrypt...))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTree(t, map[string]int64{"a.bin": 100 * size.KiB, "b_big.bin": 12 * size.MiB, "c.bin": 100})
	prefix := setPrefix(t)
	args := setCp(tr.dir, prefix, "--json", "--concurrency", "1", "--no-preflight")
	var kept string
	for run := 1; run <= 2; run++ {
		r := runCLI(t, user, args...)
		if r.Code != 3 {
			t.Fatalf("run %d: exit %d, want 3: %s", run, r.Code, r)
		}
		evs := validateSetEvents(t, r)
		if d := evs.result().object("diagnosis"); d["code"] != "missing_kms_decrypt" {
			t.Fatalf("run %d: summary %s: want missing_kms_decrypt", run, evs.result().Line)
		}
		big := resultOf(t, evs, "b_big.bin")
		id := big.str("upload_id")
		if !big.boolean("upload_kept") || id == "" {
			t.Fatalf("run %d: b_big.bin's result %s: want its upload kept", run, big.Line)
		}
		if run == 2 && id != kept {
			t.Fatalf("run 2 used upload %s, not the kept %s", id, kept)
		}
		kept = id
	}
	if err := stack.SetUserPolicy(ctx, user, teststack.Policy(append(noDecrypt, "kms:Decrypt")...)); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, user, args...)
	if r.Code != 0 {
		t.Fatalf("after the fix: exit %d, want 0: %s", r.Code, r)
	}
	evs := validateSetEvents(t, r)
	if big := resultOf(t, evs, "b_big.bin"); big.str("status") != "ok" || big.str("upload_id") != kept {
		t.Errorf("after the fix, b_big.bin's result %s: want ok, the kept upload %s completed", big.Line, kept)
	}
	tr.checkStored(t, prefix, "a.bin", "b_big.bin", "c.bin")
}
