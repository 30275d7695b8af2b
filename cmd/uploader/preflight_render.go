package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/uploader-dev/uploader/preflight"
)

// renderReport writes the report as a table, one row per check, with the
// remedy under each row that has one (a remedy already shown is referred
// to, not repeated).
func renderReport(w io.Writer, r preflight.Report) {
	width := len("CHECK")
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	fmt.Fprintf(w, "%-6s %-*s  %s\n", "STATUS", width, "CHECK", "DETAIL")
	shown := map[string]string{} // remedy -> the check it was shown under
	for _, c := range r.Checks {
		detail := c.Detail
		if c.Code != "" {
			detail += " [" + string(c.Code) + "]"
		}
		fmt.Fprintf(w, "%-6s %-*s  %s\n", c.Status, width, c.Name, detail)
		if c.Remedy == "" || (c.Status != preflight.Fail && c.Status != preflight.Warn) {
			continue
		}
		indent := strings.Repeat(" ", 7)
		if first, ok := shown[c.Remedy]; ok {
			fmt.Fprintf(w, "%sremedy: as for %s above\n", indent, first)
			continue
		}
		shown[c.Remedy] = c.Name
		fmt.Fprintf(w, "%sremedy:\n", indent)
		for _, line := range strings.Split(strings.TrimRight(c.Remedy, "\n"), "\n") {
			if line == "" {
				fmt.Fprintln(w)
				continue
			}
			fmt.Fprintf(w, "%s  %s\n", indent, line)
		}
	}
	extra := ""
	if r.Principal != "" {
		extra += ", principal " + r.Principal
	}
	if r.KeyARN != "" {
		extra += ", key " + r.KeyARN
	}
	if r.BucketRegion != "" {
		extra += ", bucket in " + r.BucketRegion
	}
	fmt.Fprintf(w, "verdict: %s (%s%s)\n", r.Verdict, plural(r.Requests, "request"), extra)
}
