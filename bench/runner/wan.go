package main

import (
	"fmt"
	"io"
	"log"

	"github.com/uploader-dev/uploader/internal/size"
)

// The WAN row (issue 16): the uploader and a bare manager.Uploader, same
// part size and concurrency, through bench/peers/wanproxy (toxiproxy:
// latency each way and a bandwidth limit per connection each way) in front
// of versitygw. Target: the uploader's median wall within 1.05x the bare
// manager's. Its stall watcher, retry policy and progress run on every
// request here, which is what the row is for.

// wanRow measures the row on a file of c.wanSize and prints its table.
func (b *bench) wanRow(w io.Writer, upTool, managerTool tool) (targetResult, error) {
	c := b.c
	n, err := size.Parse(c.wanSize)
	if err != nil {
		return targetResult{}, fmt.Errorf("-wan-size %q: %w", c.wanSize, err)
	}
	k, _ := findKind("write64")
	file, err := prepareSource(c.dataDir, k, c.wanSize, n)
	if err != nil {
		return targetResult{}, err
	}
	tools := []tool{upTool, managerTool}
	log.Printf("WAN row: %s through %s (%s), %d round(s)", c.wanSize, c.wan, c.wanDesc, c.rounds)
	results := b.rounds("wan-"+c.wanSize, tools, file, expect{bytes: n, objects: 1}, func() { beforeRun(k, file) })
	up, mgr := median(results[0]), median(results[1])
	fmt.Fprintf(w, "\n### WAN: %s through toxiproxy (%s), part size %s, concurrency %d, median of %d\n\n",
		c.wanSize, c.wanDesc, c.partSize, c.concurrency, c.rounds)
	fmt.Fprintf(w, "| tool | wall (median) | runs (s) | CPU | peak RSS |\n|---|---|---|---|---|\n")
	for i, s := range []stat{up, mgr} {
		runs := ""
		for j, m := range results[i] {
			if j > 0 {
				runs += ", "
			}
			if m.err != nil {
				runs += "failed"
			} else {
				runs += fmt.Sprintf("%.2f", m.wall.Seconds())
			}
		}
		fmt.Fprintf(w, "| %s | %.2f s | %s | %.2f s | %.0f MiB |%s\n", tools[i].name, s.wall.Seconds(), runs, s.cpu.Seconds(), s.rssMiB, failedNote(s, c.rounds))
	}
	t := targetResult{name: fmt.Sprintf("WAN %s: uploader wall within 1.05x a bare manager's", c.wanSize), verdict: "n/a"}
	if up.ok > 0 && mgr.ok > 0 && mgr.wall > 0 {
		ratio := up.wall.Seconds() / mgr.wall.Seconds()
		t.measured = fmt.Sprintf("%.2f s vs %.2f s: %.3fx", up.wall.Seconds(), mgr.wall.Seconds(), ratio)
		t.verdict = verdict(ratio <= 1.05)
	}
	fmt.Fprintf(w, "\n| target | measured | result |\n|---|---|---|\n")
	printTargets(w, []targetResult{t})
	return t, nil
}
