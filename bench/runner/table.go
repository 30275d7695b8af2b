package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/uploader-dev/uploader/internal/size"
)

type targetResult struct{ name, measured, verdict string }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "**MISS**"
}

func printTargets(w io.Writer, ts []targetResult) {
	for _, t := range ts {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.measured, t.verdict)
	}
}

// failedNote says how many of a tool's runs failed, and the last error.
func failedNote(s stat, runs int) string {
	if s.ok == runs {
		return ""
	}
	return fmt.Sprintf(" (%d of %d runs failed: %s)", runs-s.ok, runs, oneLine(s.err))
}

func printStartup(w io.Writer, tools []tool, startup []stat, results [][]measurement) {
	fmt.Fprintf(w, "### Start-up: each tool on a 0-byte file\n\n")
	fmt.Fprintf(w, "| tool | target | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|---|\n")
	for i, t := range tools {
		if t.cmd == nil {
			continue
		}
		s := startup[i]
		if s.ok == 0 {
			fmt.Fprintf(w, "| %s | %s | failed: %s | | |\n", t.name, t.target, oneLine(s.err))
			continue
		}
		fmt.Fprintf(w, "| %s%s | %s | %.2f | %.2f | %.1f |\n", t.name, failedNote(s, len(results[i])), t.target,
			s.wall.Seconds(), s.cpu.Seconds(), s.rssMiB)
	}
	fmt.Fprintln(w)
}

func printTable(w io.Writer, sz string, n int64, k kind, tools []tool, stats, startup []stat, results [][]measurement, hasResume bool, resume resumeResult) {
	gib := float64(n) / (1 << 30)
	mib := float64(n) / (1 << 20)
	ref := map[string]stat{"versitygw": stats[tUpVgw], "sink": stats[tUpSink]}
	fmt.Fprintf(w, "### %s, %s (%s bytes): %s\n\n", sz, k.name, strconv.FormatInt(n, 10), k.desc)
	fmt.Fprintf(w, "| tool | target | wall s | MiB/s | CPU s/GiB | net CPU s/GiB | peak RSS MiB | wall / uploader | CPU / uploader | RSS / uploader |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|\n")
	for i, t := range tools {
		if t.cmd == nil {
			continue
		}
		s := stats[i]
		if s.ok == 0 {
			fmt.Fprintf(w, "| %s | %s | failed: %s | | | | | | | |\n", t.name, t.target, oneLine(s.err))
			continue
		}
		r := ref[t.target]
		ratio := func(a, b float64) string {
			if r.ok == 0 || b == 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.2f", a/b)
		}
		net := ""
		if s0 := startup[i]; s0.ok > 0 {
			net = fmt.Sprintf("%.2f", (s.cpu-s0.cpu).Seconds()/gib)
		}
		fmt.Fprintf(w, "| %s%s | %s | %.2f | %.0f | %.2f | %s | %.1f | %s | %s | %s |\n", t.name, failedNote(s, len(results[i])), t.target,
			s.wall.Seconds(), mib/s.wall.Seconds(), s.cpu.Seconds()/gib, net, s.rssMiB,
			ratio(s.wall.Seconds(), r.wall.Seconds()), ratio(s.cpu.Seconds(), r.cpu.Seconds()), ratio(s.rssMiB, r.rssMiB))
	}
	switch {
	case !hasResume:
		fmt.Fprintf(w, "| resume after kill at 50 %% | sink | n/a: no resume | | | | | | | |\n")
	case resume.notCut:
		fmt.Fprintf(w, "| resume after kill at 50 %% | sink | %s | | | | | | | |\n", oneLine(resume.err))
	case resume.err != nil:
		fmt.Fprintf(w, "| resume after kill at 50 %% | sink | failed: %s | | | | | | | |\n", oneLine(resume.err))
	default:
		fmt.Fprintf(w, "| resume after kill at 50 %% (rerun) | sink | %.2f | | %.2f | | %.1f | rerun sent %s, missing %s: %s extra | | |\n", resume.m.wall.Seconds(),
			resume.m.cpu.Seconds()/gib, float64(resume.m.rssKB)/1024, size.Format(resume.sent), size.Format(resume.missing), size.Format(resume.sent-resume.missing))
	}
	fmt.Fprintln(w)
}

// issue7Targets are the targets of the first bench (issue 7), unchanged:
// measured on one kind of file (write64 when it runs).
func issue7Targets(sz string, n int64, stats []stat, hasResume bool, resume resumeResult, c config, partBytes int64) []targetResult {
	gib := float64(n) / (1 << 30)
	var out []targetResult
	up, bm, fl, in := stats[tUpVgw], stats[tManagerVgw], stats[tPutSink], stats[tStdinSink]
	upSink := stats[tUpSink]
	if up.ok > 0 && bm.ok > 0 {
		x := up.cpu.Seconds() / bm.cpu.Seconds()
		out = append(out, targetResult{sz + ": CPU s/GiB <= 1.10 x bare manager (versitygw)",
			fmt.Sprintf("%.2f vs %.2f: %.2f x", up.cpu.Seconds()/gib, bm.cpu.Seconds()/gib, x), verdict(x <= 1.10)})
	} else {
		out = append(out, targetResult{sz + ": CPU s/GiB <= 1.10 x bare manager (versitygw)", "a run failed", verdict(false)})
	}
	if bmSink := stats[tManagerSink]; upSink.ok > 0 && bmSink.ok > 0 {
		x := upSink.cpu.Seconds() / bmSink.cpu.Seconds()
		out = append(out, targetResult{sz + ": (info) sink CPU vs bare manager on the sink", fmt.Sprintf("%.2f s vs %.2f s: %.2f x", upSink.cpu.Seconds(), bmSink.cpu.Seconds(), x), "info"})
	}
	if upSink.ok > 0 && fl.ok > 0 {
		xw := upSink.wall.Seconds() / fl.wall.Seconds()
		xc := upSink.cpu.Seconds() / fl.cpu.Seconds()
		out = append(out, targetResult{sz + ": sink wall <= 1.25 x bare PUT", fmt.Sprintf("%.2f s vs %.2f s: %.2f x", upSink.wall.Seconds(), fl.wall.Seconds(), xw), verdict(xw <= 1.25)})
		out = append(out, targetResult{sz + ": sink CPU <= 1.25 x bare PUT", fmt.Sprintf("%.2f s vs %.2f s: %.2f x", upSink.cpu.Seconds(), fl.cpu.Seconds(), xc), verdict(xc <= 1.25)})
	} else {
		out = append(out, targetResult{sz + ": sink wall and CPU <= 1.25 x bare PUT", "a run failed", verdict(false)})
	}
	if up.ok > 0 && upSink.ok > 0 {
		rss := max(up.rssMiB, upSink.rssMiB)
		out = append(out, targetResult{sz + ": peak RSS (file) < 48 MiB", fmt.Sprintf("%.1f MiB", rss), verdict(rss < 48)})
	} else {
		out = append(out, targetResult{sz + ": peak RSS (file) < 48 MiB", "a run failed", verdict(false)})
	}
	limit := float64(int64(c.concurrency+1)*partBytes)/(1<<20) + 32
	if in.ok > 0 {
		out = append(out, targetResult{fmt.Sprintf("%s: stdin peak RSS < (concurrency+1) x part + 32 MiB = %.0f MiB", sz, limit), fmt.Sprintf("%.1f MiB", in.rssMiB), verdict(in.rssMiB < limit)})
	} else {
		out = append(out, targetResult{fmt.Sprintf("%s: stdin peak RSS < %.0f MiB", sz, limit), "failed: " + oneLine(in.err), verdict(false)})
	}
	allowed := int64(c.concurrency) * partBytes
	name := sz + ": resume sends <= concurrency x part beyond the missing bytes"
	switch {
	case !hasResume:
		out = append(out, targetResult{name, "n/a: no resume", "n/a"})
	case resume.notCut:
		out = append(out, targetResult{name, oneLine(resume.err), "n/a"})
	case resume.err != nil:
		out = append(out, targetResult{name, "failed: " + oneLine(resume.err), verdict(false)})
	default:
		extra := resume.sent - resume.missing
		out = append(out, targetResult{name, fmt.Sprintf("%s extra (allowed %s)", size.Format(extra), size.Format(allowed)), verdict(extra <= allowed)})
	}
	return out
}

// netBelow is the size under which issue 10 compares uploads net of each
// tool's 0-byte run: at 1 GiB start-up (config, cobra, journal folder) is
// a tenth of the CPU; at 8 GiB it no longer matters.
const netBelow = 8 << 30

// cost is a tool's wall and CPU seconds for one upload: whole, or net of
// its 0-byte run.
func cost(s, s0 stat, net bool) (wall, cpu float64, err string) {
	if s.ok == 0 {
		return 0, 0, "failed: " + oneLine(s.err)
	}
	wall, cpu = s.wall.Seconds(), s.cpu.Seconds()
	if net {
		if s0.ok == 0 {
			return 0, 0, "its 0-byte run failed: " + oneLine(s0.err)
		}
		wall -= s0.wall.Seconds()
		cpu -= s0.cpu.Seconds()
	}
	return wall, cpu, ""
}

// issue10Targets: the engine against the bare manager (the targets) and
// the bare transfermanager (for information) on one size and kind of file;
// stdin against the file path; peak RSS for a file.
func issue10Targets(sz string, n int64, k kind, stats, startup []stat, c config, partBytes int64) []targetResult {
	gib := float64(n) / (1 << 30)
	net := n < netBelow
	how := ""
	if net {
		how = ", net of start-up"
	}
	prefix := sz + " " + k.name + ": "
	var out []targetResult
	// versus compares the uploader (a) with a peer (b) on one target.
	versus := func(a, b int) (xw, xc float64, aw, ac, bw, bc float64, err string) {
		aw, ac, errA := cost(stats[a], startup[a], net)
		bw, bc, errB := cost(stats[b], startup[b], net)
		switch {
		case errA != "":
			return 0, 0, 0, 0, 0, 0, "uploader cp " + errA
		case errB != "":
			return 0, 0, 0, 0, 0, 0, "the peer " + errB
		case bw <= 0 || bc <= 0 || aw <= 0 || ac <= 0:
			return 0, 0, 0, 0, 0, 0, "n/a: the upload costs no more than the 0-byte run (file too small to tell)"
		}
		return aw / bw, ac / bc, aw, ac, bw, bc, ""
	}
	{
		xw, xc, aw, ac, bw, bc, err := versus(tUpVgw, tManagerVgw)
		cpuName := prefix + "uploader cp CPU <= 1.10 x bare manager (versitygw" + how + ")"
		wallName := prefix + "uploader cp wall <= 1.05 x bare manager (versitygw" + how + ")"
		if err != "" {
			v := verdict(false)
			if strings.HasPrefix(err, "n/a:") {
				v = "n/a"
			}
			out = append(out, targetResult{cpuName, err, v}, targetResult{wallName, err, v})
		} else {
			out = append(out,
				targetResult{cpuName, fmt.Sprintf("%.2f vs %.2f CPU-s/GiB: %.2f x", ac/gib, bc/gib, xc), verdict(xc <= 1.10)},
				targetResult{wallName, fmt.Sprintf("%.2f s vs %.2f s: %.2f x", aw, bw, xw), verdict(xw <= 1.05)})
		}
	}
	info := func(name string, pairs ...[2]int) {
		var m string
		for i, p := range pairs {
			if i > 0 {
				m += "; "
			}
			xw, xc, _, _, _, _, err := versus(p[0], p[1])
			m += "vs " + shortName(p[1]) + ": "
			if err != "" {
				m += err
				continue
			}
			m += fmt.Sprintf("CPU %.2f x, wall %.2f x", xc, xw)
		}
		out = append(out, targetResult{name, m, "info"})
	}
	info(prefix+"(info) uploader cp vs bare transfermanager (versitygw"+how+")", [2]int{tUpVgw, tTMVgw})
	info(prefix+"(info) uploader cp on the sink"+how, [2]int{tUpSink, tManagerSink}, [2]int{tUpSink, tTMSink})

	file, in := stats[tUpSink], stats[tStdinSink]
	stdinCPU := prefix + "stdin CPU s/GiB <= 1.15 x the file path (sink)"
	limit := float64(int64(c.concurrency+1)*partBytes) / (1 << 20)
	stdinRSS := fmt.Sprintf("%sstdin peak RSS <= (concurrency+1) x part + the file path's (sink) = %.0f MiB + file", prefix, limit)
	if file.ok > 0 && in.ok > 0 {
		x := in.cpu.Seconds() / file.cpu.Seconds()
		out = append(out, targetResult{stdinCPU, fmt.Sprintf("%.2f vs %.2f: %.2f x", in.cpu.Seconds()/gib, file.cpu.Seconds()/gib, x), verdict(x <= 1.15)})
		l := limit + file.rssMiB
		out = append(out, targetResult{stdinRSS, fmt.Sprintf("%.1f MiB (limit %.0f + %.1f = %.1f MiB)", in.rssMiB, limit, file.rssMiB, l), verdict(in.rssMiB <= l)})
	} else {
		msg := "a run failed: " + oneLine(in.err) + oneLine(file.err)
		out = append(out, targetResult{stdinCPU, msg, verdict(false)}, targetResult{stdinRSS, msg, verdict(false)})
	}
	up := stats[tUpVgw]
	rssName := prefix + "peak RSS (file, both targets) < 40 MiB"
	if up.ok > 0 && file.ok > 0 {
		rss := max(up.rssMiB, file.rssMiB)
		out = append(out, targetResult{rssName, fmt.Sprintf("%.1f MiB", rss), verdict(rss < 40)})
	} else {
		out = append(out, targetResult{rssName, "a run failed", verdict(false)})
	}
	return out
}

// abLimit is how much more CPU than the baseline binary the uploader may
// use in the engine A/B (a refactor must not move CPU).
const abLimit = 1.03

// abTargets compares the uploader with the -baseline binary on the sink,
// run in the same rounds: the file and the stdin rows, medians of CPU
// (user+sys, whole: both binaries start the same way), the wall ratio
// for information. prefix names the size and kind.
func abTargets(prefix string, n int64, stats []stat) []targetResult {
	gib := float64(n) / (1 << 30)
	var out []targetResult
	for _, p := range []struct {
		what     string
		up, base int
	}{
		{"file", tUpSink, tUpSinkBase},
		{"stdin", tStdinSink, tStdinSinkBase},
	} {
		name := fmt.Sprintf("%sengine A/B: %s CPU (sink) <= %.2f x baseline", prefix, p.what, abLimit)
		a, b := stats[p.up], stats[p.base]
		switch {
		case a.ok == 0:
			out = append(out, targetResult{name, "the uploader failed: " + oneLine(a.err), verdict(false)})
			continue
		case b.ok == 0:
			out = append(out, targetResult{name, "the baseline failed: " + oneLine(b.err), verdict(false)})
			continue
		case b.cpu <= 0 || b.wall <= 0:
			out = append(out, targetResult{name, "n/a: the baseline measured no CPU or wall", "n/a"})
			continue
		}
		x := a.cpu.Seconds() / b.cpu.Seconds()
		xw := a.wall.Seconds() / b.wall.Seconds()
		out = append(out, targetResult{name, fmt.Sprintf("%.2f vs %.2f s/GiB: %.2f x (wall %.2f s vs %.2f s: %.2f x, info)",
			a.cpu.Seconds()/gib, b.cpu.Seconds()/gib, x, a.wall.Seconds(), b.wall.Seconds(), xw), verdict(x <= abLimit)})
	}
	return out
}

func shortName(i int) string {
	switch i {
	case tManagerVgw, tManagerSink:
		return "bare manager"
	case tTMVgw, tTMSink:
		return "bare transfermanager"
	}
	return strconv.Itoa(i)
}

// printABRuns lists every run of the A/B rows (BENCH_ONLY=ab): CPU and
// wall per round, so the spread behind the medians is on the page.
func printABRuns(w io.Writer, sz string, k kind, tools []tool, results [][]measurement) {
	fmt.Fprintf(w, "### %s, %s: %s\n\n| tool | CPU s per round | wall s per round |\n|---|---|---|\n", sz, k.name, k.desc)
	for i, t := range tools {
		if t.cmd == nil {
			continue
		}
		var cpu, wall []string
		for _, m := range results[i] {
			if m.err != nil {
				cpu, wall = append(cpu, "failed"), append(wall, "failed")
				continue
			}
			cpu = append(cpu, fmt.Sprintf("%.2f", m.cpu.Seconds()))
			wall = append(wall, fmt.Sprintf("%.2f", m.wall.Seconds()))
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, strings.Join(cpu, " "), strings.Join(wall, " "))
	}
	fmt.Fprintln(w)
}
