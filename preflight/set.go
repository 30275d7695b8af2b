package preflight

import (
	"fmt"
	"strings"

	"github.com/uploader-dev/uploader/diagnosis"
	"github.com/uploader-dev/uploader/upload"
)

// ForLargest points o at a set of files (a directory uploaded object by
// object) through its largest file: it is the Source examined, key (the
// set's prefix and the file's relative path; "" keeps o.Key) is the Key
// the canary writes beside, and its plan, made with po as the set's
// uploads will make theirs, decides what must pass. The smaller files need
// no permission the largest does not: a single request needs
// kms:GenerateDataKey, multipart kms:Decrypt too.
func (o Options) ForLargest(path, key string, size int64, po upload.PlanOptions) (Options, error) {
	plan, err := upload.MakePlan(size, po)
	if err != nil {
		return o, err
	}
	o.Source, o.Plan = path, plan
	if key != "" {
		o.Key = key
	}
	return o, nil
}

// Diagnostics is what the report learned, for the upload's explanation of
// failures (upload.Options.Diagnostics): the principal, the effective key,
// the bucket's default encryption when it is what supplies the key, the
// bucket's region when S3 said it, and the round trip's Hint. Region is ""
// when the bucket's region is unknown: set the client's. LookupPrincipal
// is left to the caller.
func (r Report) Diagnostics() upload.Diagnostics {
	d := upload.Diagnostics{Principal: r.Principal, KeyARN: r.KeyARN, Region: r.BucketRegion, Hint: r.Hint}
	// A key with no key in the request came from the bucket's default
	// (the engine uses BucketSSE only when the request sets no SSE).
	if r.KeyARN != "" {
		d.BucketSSE = upload.SSEKMS
	}
	return d
}

// Remedy is one remedy of a report, with the checks it fixes.
type Remedy struct {
	Checks []string       // the names of the FAIL and WARN checks it is for, in report order
	Code   diagnosis.Code // the first of those checks' code, "" when none has one
	Text   string
	Rerun  bool // a change after which the same upload can be tried again (Check.Rerun)
}

// Remedies are the remedies of the report's FAIL and WARN checks, each
// once (checks that share a cause share its remedy), in report order.
func (r Report) Remedies() []Remedy {
	var out []Remedy
	at := map[string]int{}
	for _, c := range r.Checks {
		if c.Remedy == "" || (c.Status != Fail && c.Status != Warn) {
			continue
		}
		if i, ok := at[c.Remedy]; ok {
			out[i].Checks = append(out[i].Checks, c.Name)
			out[i].Rerun = out[i].Rerun || c.Rerun
			if out[i].Code == "" {
				out[i].Code = c.Code
			}
			continue
		}
		at[c.Remedy] = len(out)
		out = append(out, Remedy{Checks: []string{c.Name}, Code: c.Code, Text: c.Remedy, Rerun: c.Rerun})
	}
	return out
}

// RemedyText is Remedies for people: each remedy once, under the checks
// it is for ("bucket, canary:"), indented; "" when there is none.
func (r Report) RemedyText() string {
	var b strings.Builder
	for i, m := range r.Remedies() {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s:\n", strings.Join(m.Checks, ", "))
		for _, line := range strings.Split(strings.TrimRight(m.Text, "\n"), "\n") {
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}
