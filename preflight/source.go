package preflight

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/uploader-dev/uploader/internal/size"
	"github.com/uploader-dev/uploader/internal/source"
	"github.com/uploader-dev/uploader/upload"
)

// source checks the file exists, is regular and readable, matches the plan,
// and states the plan. It makes no request.
func (r *run) source(context.Context) {
	p := r.o.Plan
	switch r.o.Source {
	case "":
		// Nothing to read: say what the plan is and what it needs, not
		// how a file would be read.
		detail := "no source file: planned for " + size.Format(p.Size) + "; " + planNeeds(p)
		if p.Size < 0 {
			detail = fmt.Sprintf("no source file or size given: planned as a multipart upload (parts of %s), which needs kms:GenerateDataKey and kms:Decrypt", size.Format(p.PartSize))
		}
		r.add(Check{Name: CheckSource, Status: Pass, Detail: detail})
		return
	case "-":
		r.add(Check{Name: CheckSource, Status: Pass, Detail: "standard input; " + planText(p, r.o.Concurrency, true)})
		return
	}
	// source.Open never blocks: a FIFO given as the source is refused
	// before it is opened (open would wait for a writer).
	f, fi, err := source.Open(r.o.Source)
	var nr *source.NotRegularError
	switch {
	case errors.As(err, &nr):
		r.add(Check{Name: CheckSource, Status: Fail, Detail: fmt.Sprintf("%s is a %s, not a regular file", r.o.Source, nr.Kind),
			Remedy: "Upload a regular file; for a pipe, socket or device, read it from standard input (-)."})
		return
	case errors.Is(err, os.ErrPermission):
		r.add(Check{Name: CheckSource, Status: Fail, Detail: err.Error(), Remedy: "Make the file readable by this user."})
		return
	case err != nil:
		r.add(Check{Name: CheckSource, Status: Fail, Detail: err.Error(), Remedy: "Check the path: the file must exist and be readable by this user."})
		return
	}
	f.Close()
	if p.Size >= 0 && fi.Size() != p.Size {
		r.add(Check{Name: CheckSource, Status: Warn, Detail: fmt.Sprintf("%s is %s, but the plan is for %s; %s",
			r.o.Source, size.Format(fi.Size()), size.Format(p.Size), planText(p, r.o.Concurrency, false))})
		return
	}
	r.add(Check{Name: CheckSource, Status: Pass, Detail: fmt.Sprintf("%s, regular, readable; %s", r.o.Source, planText(p, r.o.Concurrency, false))})
}

// planNeeds is the plan's requests and the KMS permissions they need.
func planNeeds(p upload.Plan) string {
	switch {
	case !p.Multipart:
		return "single request (PutObject), needs kms:GenerateDataKey only"
	case p.Parts > 0:
		return fmt.Sprintf("multipart, %d parts of %s, needs kms:GenerateDataKey and kms:Decrypt", p.Parts, size.Format(p.PartSize))
	}
	return fmt.Sprintf("multipart, parts of %s, needs kms:GenerateDataKey and kms:Decrypt", size.Format(p.PartSize))
}

// planText is the plan in one line: how many requests, how big, how much
// memory.
func planText(p upload.Plan, concurrency int, stream bool) string {
	if !p.Multipart {
		return size.Format(p.Size) + ": " + planNeeds(p)
	}
	what := "size unknown"
	if p.Size >= 0 {
		what = size.Format(p.Size)
	}
	mem := "memory: parts read in place"
	if m := p.Memory(max(concurrency, 1), stream); m > 0 {
		mem = "memory: up to " + size.Format(m) + " of part buffers"
	}
	return what + ": " + planNeeds(p) + "; " + mem
}
