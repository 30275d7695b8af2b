// Command runner drives the benchmark that bench/run.sh sets up: it makes
// the random source files, runs every tool in alternating rounds, measures
// each run as a child process (wall clock, user+sys CPU and peak RSS from
// wait4's rusage), cleans the targets between runs, and prints one table
// with the targets marked PASS or MISS.
//
//	runner mkfile PATH SIZE     random bytes, reused when the size matches
//	runner freeport             a free loopback TCP port
//	runner run [flags]          the rounds and the table
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: runner mkfile PATH SIZE | freeport | run [flags]")
	}
	switch os.Args[1] {
	case "mkfile":
		if len(os.Args) != 4 {
			log.Fatal("usage: runner mkfile PATH SIZE")
		}
		n, err := size.Parse(os.Args[3])
		if err != nil {
			log.Fatal(err)
		}
		if err := mkfile(os.Args[2], n); err != nil {
			log.Fatal(err)
		}
	case "freeport":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
	case "run":
		stopOnSignal()
		cfg := parseFlags(os.Args[2:])
		if err := run(cfg); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// mkfile writes n random bytes to path unless a file of that size is
// there. ChaCha8 makes them at several GB/s, so the disk sets the pace.
func mkfile(path string, n int64) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() == n {
		return nil
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	var seed [32]byte
	copy(seed[:], fmt.Sprintf("uploader bench %d %d", n, time.Now().UnixNano()))
	r := rand.NewChaCha8(seed)
	buf := make([]byte, 4<<20)
	for left := n; left > 0; {
		m := min(int64(len(buf)), left)
		_, _ = r.Read(buf[:m])
		if _, err := f.Write(buf[:m]); err != nil {
			f.Close()
			return err
		}
		left -= m
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

type config struct {
	uploader    string // bin/uploader
	binDir      string // bench/.bin
	cert        string
	vgw, sink   string // endpoint URLs
	access      string
	secret      string
	dataDir     string
	workDir     string // scratch (aws CLI config, logs)
	sizes       []string
	rounds      int
	partSize    string
	concurrency int
}

func parseFlags(args []string) config {
	c := config{rounds: 3, partSize: "16MiB", concurrency: 8, sizes: []string{"1G", "8G"}}
	get := func(i *int) string {
		*i++
		if *i >= len(args) {
			log.Fatalf("flag %s needs a value", args[*i-1])
		}
		return args[*i]
	}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-uploader":
			c.uploader = get(&i)
		case "-bin":
			c.binDir = get(&i)
		case "-cert":
			c.cert = get(&i)
		case "-vgw":
			c.vgw = get(&i)
		case "-sink":
			c.sink = get(&i)
		case "-access":
			c.access = get(&i)
		case "-secret":
			c.secret = get(&i)
		case "-data":
			c.dataDir = get(&i)
		case "-work":
			c.workDir = get(&i)
		case "-sizes":
			c.sizes = strings.Fields(get(&i))
		case "-rounds":
			n, err := strconv.Atoi(get(&i))
			if err != nil || n < 1 {
				log.Fatalf("-rounds: %q", args[i])
			}
			c.rounds = n
		case "-part-size":
			c.partSize = get(&i)
		case "-concurrency":
			n, err := strconv.Atoi(get(&i))
			if err != nil || n < 1 {
				log.Fatalf("-concurrency: %q", args[i])
			}
			c.concurrency = n
		default:
			log.Fatalf("unknown flag %q", args[i])
		}
	}
	return c
}

// measurement is one run of one tool.
type measurement struct {
	wall  time.Duration
	cpu   time.Duration // user + sys
	rssKB int64
	err   error
}

// tool is one row of the table.
type tool struct {
	name   string
	target string // "versitygw" or "sink"
	// cmd builds the command for one run; key is unique per run.
	cmd func(file, key string) (*exec.Cmd, func(), error)
}

func run(c config) error {
	partBytes, err := size.Parse(c.partSize)
	if err != nil {
		return fmt.Errorf("-part-size: %w", err)
	}
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(c.cert)
	if err != nil {
		return err
	}
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: time.Minute}
	vgw := newS3(c, hc)
	if err := vgw.createBucket("bench"); err != nil {
		return fmt.Errorf("creating the versitygw bucket: %w", err)
	}
	awsConfig := filepath.Join(c.workDir, "aws-config")
	if err := os.WriteFile(awsConfig, []byte(fmt.Sprintf(`[default]
region = us-east-1
s3 =
  multipart_chunksize = %d
  multipart_threshold = 8388608
  max_concurrent_requests = %d
  addressing_style = path
`, partBytes, c.concurrency)), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+c.access, "AWS_SECRET_ACCESS_KEY="+c.secret, "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+awsConfig, "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CA_BUNDLE="+c.cert, "AWS_PAGER=")
	helpOut, _ := exec.Command(c.uploader, "cp", "--help").CombinedOutput()
	resumeFlag, hasResume := resumeSupport(string(helpOut))
	// On disk, next to the source files: journal writes cost what they cost.
	stateDir := stateDirArgs(string(helpOut), filepath.Join(c.dataDir, "state"))
	up := func(endpoint string, extra ...string) []string {
		a := []string{"cp", "--no-preflight", "--no-progress", "--quiet",
			"--part-size", c.partSize, "--concurrency", strconv.Itoa(c.concurrency),
			"--endpoint-url", endpoint, "--ca-bundle", c.cert}
		a = append(a, stateDir...)
		return append(a, extra...)
	}
	simple := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		return cmd
	}
	nop := func() {}
	pb := strconv.FormatInt(partBytes, 10)
	conc := strconv.Itoa(c.concurrency)
	tools := []tool{
		{"uploader cp", "versitygw", func(file, key string) (*exec.Cmd, func(), error) {
			return simple(c.uploader, up(c.vgw, file, "s3://bench/"+key)...), nop, nil
		}},
		{"bare manager.Uploader", "versitygw", func(file, key string) (*exec.Cmd, func(), error) {
			return simple(filepath.Join(c.binDir, "baremanager"), "-endpoint", c.vgw, "-ca", c.cert,
				"-part-size", pb, "-concurrency", conc, file, "bench", key), nop, nil
		}},
		{"aws s3 cp", "versitygw", func(file, key string) (*exec.Cmd, func(), error) {
			return simple("aws", "s3", "cp", file, "s3://bench/"+key, "--endpoint-url", c.vgw,
				"--no-progress", "--only-show-errors"), nop, nil
		}},
		{"uploader cp", "sink", func(file, key string) (*exec.Cmd, func(), error) {
			return simple(c.uploader, up(c.sink, file, "s3://bench/"+key)...), nop, nil
		}},
		{"bare manager.Uploader", "sink", func(file, key string) (*exec.Cmd, func(), error) {
			return simple(filepath.Join(c.binDir, "baremanager"), "-endpoint", c.sink, "-ca", c.cert,
				"-part-size", pb, "-concurrency", conc, file, "bench", key), nop, nil
		}},
		{"bare TLS PUT (floor)", "sink", func(file, key string) (*exec.Cmd, func(), error) {
			return simple(filepath.Join(c.binDir, "bareput"), "-endpoint", c.sink, "-ca", c.cert,
				"-part-size", pb, "-concurrency", conc, file, "bench", key), nop, nil
		}},
		{"uploader cp - (stdin)", "sink", func(file, key string) (*exec.Cmd, func(), error) {
			// cat is started apart, so only the uploader is measured.
			cat := exec.Command("cat", file)
			out, err := cat.StdoutPipe()
			if err != nil {
				return nil, nil, err
			}
			if err := cat.Start(); err != nil {
				return nil, nil, err
			}
			cmd := simple(c.uploader, up(c.sink, "-", "s3://bench/"+key)...)
			cmd.Stdin = out
			return cmd, func() { out.Close(); _ = cat.Wait() }, nil
		}},
	}
	sink := &sinkAdmin{url: c.sink, hc: hc}

	var report bytes.Buffer
	w := io.MultiWriter(os.Stdout, &report)
	host, _ := os.Hostname()
	version, _ := exec.Command(c.uploader, "version").Output()
	fmt.Fprintf(w, "\n## Results (%s, %s, %d cores, part size %s, concurrency %d, %d round(s), medians)\n\n%s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), host, numCPU(), c.partSize, c.concurrency, c.rounds, lastLine(string(version)))

	var targets []targetResult
	for _, sz := range c.sizes {
		n, err := size.Parse(sz)
		if err != nil {
			return fmt.Errorf("BENCH_SIZES %q: %w", sz, err)
		}
		file := filepath.Join(c.dataDir, "random-"+sz+".bin")
		log.Printf("making %s (%s) if missing", file, sz)
		if err := mkfile(file, n); err != nil {
			return err
		}
		results := make([][]measurement, len(tools))
		for round := 0; round < c.rounds; round++ {
			for j := range tools {
				// Rotate the start each round and reverse every other
				// round, so no tool always follows the same neighbour.
				i := (j + round) % len(tools)
				if round%2 == 1 {
					i = len(tools) - 1 - i
				}
				t := tools[i]
				key := fmt.Sprintf("obj-%s-%d-%d", sz, round, i)
				// Every tool starts with the file in the page cache (as far
				// as memory allows next to the tmpfs objects), so no tool
				// pays for the disk reads of another's run.
				warm(file)
				m := measure(t, file, key)
				log.Printf("%s %s round %d: %s @ %s: %.2fs wall, %.2fs CPU, %d MiB%s", time.Now().Format("15:04:05"), sz, round+1, t.name, t.target,
					m.wall.Seconds(), m.cpu.Seconds(), m.rssKB/1024, errSuffix(m.err))
				results[i] = append(results[i], m)
				// Clean up after every run: an 8 GiB object and its parts
				// would otherwise fill the tmpfs.
				if t.target == "versitygw" {
					if err := vgw.deleteAll("bench"); err != nil {
						log.Printf("cleaning versitygw: %v", err)
					}
				} else {
					if st, err := sink.stats(); err == nil {
						switch {
						case st.ChecksumFails > 0 && m.err == nil:
							m.err = fmt.Errorf("the sink saw %d bad checksums", st.ChecksumFails)
							results[i][len(results[i])-1] = m
						case st.DataBytes != n && m.err == nil:
							log.Printf("  the sink received %d data bytes for a %d-byte file (retries?)", st.DataBytes, n)
						}
					}
					if err := sink.reset(false); err != nil {
						log.Printf("resetting the sink: %v", err)
					}
				}
			}
		}
		var resume resumeResult
		if hasResume {
			resume = measureResume(c, tools[3], file, n, resumeFlag, sink, partBytes)
		}
		targets = append(targets, printTable(w, sz, n, tools, results, hasResume, resume, c, partBytes)...)
	}
	pf := measurePreflight(c, env, sink, filepath.Join(c.dataDir, "random-"+c.sizes[0]+".bin"))
	targets = append(targets, pf)
	fmt.Fprintf(w, "\n### Targets (issue 7)\n\n| target | measured | result |\n|---|---|---|\n")
	for _, t := range targets {
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.name, t.measured, t.verdict)
	}
	if path := os.Getenv("BENCH_REPORT"); path != "" {
		if err := os.WriteFile(path, report.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return " FAILED: " + err.Error()
}

func numCPU() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "\nprocessor") + 1
}

// running is the child being measured, stopped with the runner.
var running struct {
	sync.Mutex
	cmd *exec.Cmd
}

func setRunning(cmd *exec.Cmd) {
	running.Lock()
	running.cmd = cmd
	running.Unlock()
}

// stopOnSignal kills the measured child (by its pid) and exits on SIGINT
// or SIGTERM.
func stopOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-ch
		running.Lock()
		if running.cmd != nil && running.cmd.Process != nil {
			_ = running.cmd.Process.Kill()
		}
		running.Unlock()
		log.Printf("stopped by %v", sig)
		os.Exit(130)
	}()
}

// warm reads file through the page cache.
func warm(file string) {
	f, err := os.Open(file)
	if err != nil {
		return
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	_, _ = io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
}

// measure runs one tool once and reads its rusage from wait4.
func measure(t tool, file, key string) measurement {
	cmd, done, err := t.cmd(file, key)
	if err != nil {
		return measurement{err: err}
	}
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	if err = cmd.Start(); err == nil {
		setRunning(cmd)
		err = cmd.Wait()
		setRunning(nil)
	}
	wall := time.Since(start)
	done()
	m := measurement{wall: wall}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			m.rssKB = ru.Maxrss // KiB on Linux
		}
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		m.err = fmt.Errorf("%v: %s", err, msg)
	}
	return m
}

type stat struct {
	wall, cpu time.Duration
	rssMiB    float64
	ok        int
	err       error
}

func median(ms []measurement) stat {
	var walls, cpus []time.Duration
	var rss []int64
	var s stat
	for _, m := range ms {
		if m.err != nil {
			s.err = m.err
			continue
		}
		walls = append(walls, m.wall)
		cpus = append(cpus, m.cpu)
		rss = append(rss, m.rssKB)
	}
	s.ok = len(walls)
	if s.ok == 0 {
		return s
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	mid := func(n int) (int, int) { return (n - 1) / 2, n / 2 }
	a, b := mid(s.ok)
	s.wall = (walls[a] + walls[b]) / 2
	s.cpu = (cpus[a] + cpus[b]) / 2
	s.rssMiB = float64(rss[a]+rss[b]) / 2 / 1024
	return s
}

type targetResult struct{ name, measured, verdict string }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "**MISS**"
}

func printTable(w io.Writer, sz string, n int64, tools []tool, results [][]measurement, hasResume bool, resume resumeResult, c config, partBytes int64) []targetResult {
	gib := float64(n) / (1 << 30)
	mib := float64(n) / (1 << 20)
	stats := make([]stat, len(tools))
	for i := range tools {
		stats[i] = median(results[i])
	}
	ref := map[string]stat{"versitygw": stats[0], "sink": stats[3]}
	fmt.Fprintf(w, "### %s (%s bytes)\n\n", sz, strconv.FormatInt(n, 10))
	fmt.Fprintf(w, "| tool | target | wall s | MiB/s | CPU s/GiB | peak RSS MiB | wall / uploader | CPU / uploader | RSS / uploader |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|\n")
	for i, t := range tools {
		s := stats[i]
		if s.ok == 0 {
			fmt.Fprintf(w, "| %s | %s | failed: %s | | | | | | |\n", t.name, t.target, oneLine(s.err))
			continue
		}
		r := ref[t.target]
		ratio := func(a, b float64) string {
			if r.ok == 0 || b == 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.2f", a/b)
		}
		note := ""
		if s.ok < len(results[i]) {
			note = fmt.Sprintf(" (%d of %d runs failed: %s)", len(results[i])-s.ok, len(results[i]), oneLine(s.err))
		}
		fmt.Fprintf(w, "| %s%s | %s | %.2f | %.0f | %.2f | %.1f | %s | %s | %s |\n", t.name, note, t.target,
			s.wall.Seconds(), mib/s.wall.Seconds(), s.cpu.Seconds()/gib, s.rssMiB,
			ratio(s.wall.Seconds(), r.wall.Seconds()), ratio(s.cpu.Seconds(), r.cpu.Seconds()), ratio(s.rssMiB, r.rssMiB))
	}
	if hasResume {
		if resume.err != nil {
			fmt.Fprintf(w, "| resume after kill at 50 %% | sink | failed: %s | | | | | | |\n", oneLine(resume.err))
		} else {
			fmt.Fprintf(w, "| resume after kill at 50 %% (rerun) | sink | %.2f | | %.2f | %.1f | rerun sent %s, missing %s: %s extra | | |\n", resume.m.wall.Seconds(),
				resume.m.cpu.Seconds()/gib, float64(resume.m.rssKB)/1024, size.Format(resume.sent), size.Format(resume.missing), size.Format(resume.sent-resume.missing))
		}
	} else {
		fmt.Fprintf(w, "| resume after kill at 50 %% | sink | n/a: no resume | | | | | | |\n")
	}
	fmt.Fprintln(w)

	var out []targetResult
	up, bm, fl, in := stats[0], stats[1], stats[5], stats[6]
	upSink := stats[3]
	if up.ok > 0 && bm.ok > 0 {
		x := up.cpu.Seconds() / bm.cpu.Seconds()
		out = append(out, targetResult{sz + ": CPU s/GiB <= 1.10 x bare manager (versitygw)",
			fmt.Sprintf("%.2f vs %.2f: %.2f x", up.cpu.Seconds()/gib, bm.cpu.Seconds()/gib, x), verdict(x <= 1.10)})
	} else {
		out = append(out, targetResult{sz + ": CPU s/GiB <= 1.10 x bare manager (versitygw)", "a run failed", verdict(false)})
	}
	if bmSink := stats[4]; upSink.ok > 0 && bmSink.ok > 0 {
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
	switch {
	case !hasResume:
		out = append(out, targetResult{sz + ": resume sends <= concurrency x part beyond the missing bytes", "n/a: no resume", "n/a"})
	case resume.err != nil:
		out = append(out, targetResult{sz + ": resume sends <= concurrency x part beyond the missing bytes", "failed: " + oneLine(resume.err), verdict(false)})
	default:
		extra := resume.sent - resume.missing
		out = append(out, targetResult{sz + ": resume sends <= concurrency x part beyond the missing bytes", fmt.Sprintf("%s extra (allowed %s)", size.Format(extra), size.Format(allowed)), verdict(extra <= allowed)})
	}
	return out
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// resumeSupport finds how the CLI resumes: a --resume flag, or a
// --no-resume flag (resuming is then the default, and the same command run
// again resumes).
func resumeSupport(help string) (flag string, ok bool) {
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case strings.HasPrefix(f[0], "--resume"):
			return "--resume", true
		case strings.HasPrefix(f[0], "--no-resume"):
			return "", true
		}
	}
	return "", false
}

// stateDirArgs keeps the uploader's resume journals in the bench's scratch
// folder, when the uploader has them.
func stateDirArgs(help, dir string) []string {
	if strings.Contains(help, "--state-dir") {
		return []string{"--state-dir", dir}
	}
	return nil
}

type resumeResult struct {
	m       measurement
	sent    int64 // data bytes the rerun sent
	missing int64 // bytes not stored as parts when the first run died
	err     error
}

// measureResume starts an upload to the sink, kills it (SIGKILL, as a
// crash) once half the file has reached the sink, and reruns it; the sink
// counts what the rerun sends.
func measureResume(c config, t tool, file string, n int64, flag string, sink *sinkAdmin, partBytes int64) resumeResult {
	if err := sink.reset(false); err != nil {
		return resumeResult{err: err}
	}
	key := "resume-" + strconv.FormatInt(n, 10)
	cmd, done, err := t.cmd(file, key)
	if err != nil {
		return resumeResult{err: err}
	}
	if flag != "" {
		cmd.Args = append(cmd.Args, flag)
	}
	if err := cmd.Start(); err != nil {
		return resumeResult{err: err}
	}
	setRunning(cmd)
	deadline := time.Now().Add(10 * time.Minute)
	for {
		st, err := sink.stats()
		if err == nil && st.DataBytes >= n/2 {
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	done()
	time.Sleep(200 * time.Millisecond) // let the sink finish the cut requests
	st, err := sink.stats()
	if err != nil {
		return resumeResult{err: err}
	}
	missing := n - st.StoredPartBytes
	if err := sink.reset(true); err != nil {
		return resumeResult{err: err}
	}
	t2 := t
	t2.cmd = func(file, key string) (*exec.Cmd, func(), error) {
		cmd, done, err := t.cmd(file, key)
		if err == nil && flag != "" {
			cmd.Args = append(cmd.Args, flag)
		}
		return cmd, done, err
	}
	m := measure(t2, file, key)
	st2, err := sink.stats()
	if err != nil {
		return resumeResult{err: err}
	}
	res := resumeResult{m: m, sent: st2.DataBytes, missing: missing, err: m.err}
	_ = sink.reset(false)
	return res
}

// measurePreflight runs cp with its preflight against the sink (which
// answers STS too) and counts what preflight sent before the data: every
// request other than the upload's own, and the data bytes beyond the file.
func measurePreflight(c config, env []string, sink *sinkAdmin, file string) targetResult {
	name := "preflight: <= 12 requests, no data bytes beyond the 1-byte canary"
	if err := sink.reset(false); err != nil {
		return targetResult{name, "failed: " + oneLine(err), verdict(false)}
	}
	cmd := exec.Command(c.uploader, "preflight", "--source", file, "s3://bench/preflight-probe",
		"--endpoint-url", c.sink, "--ca-bundle", c.cert)
	cmd.Env = append(env, "AWS_ENDPOINT_URL="+c.sink)
	out, err := cmd.CombinedOutput()
	st, serr := sink.stats()
	_ = sink.reset(false)
	if serr != nil {
		return targetResult{name, "failed: " + oneLine(serr), verdict(false)}
	}
	if err != nil {
		return targetResult{name, fmt.Sprintf("uploader preflight failed (%v): %s", err, oneLine(errors.New(lastLine(string(out))))), verdict(false)}
	}
	ok := st.Requests <= 12 && st.DataBytes <= 1
	return targetResult{name, fmt.Sprintf("%d requests, %d data bytes (uploader preflight --source, on the sink)", st.Requests, st.DataBytes), verdict(ok)}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

type sinkAdmin struct {
	url string
	hc  *http.Client
}

type sinkStats struct {
	Requests        int64            `json:"requests"`
	Ops             map[string]int64 `json:"ops"`
	DataBytes       int64            `json:"data_bytes"`
	StoredPartBytes int64            `json:"stored_part_bytes"`
	ChecksumFails   int64            `json:"checksum_failures"`
}

func (s *sinkAdmin) stats() (sinkStats, error) {
	var st sinkStats
	resp, err := s.hc.Get(s.url + "/__sink/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func (s *sinkAdmin) reset(countersOnly bool) error {
	u := s.url + "/__sink/reset"
	if countersOnly {
		u += "?counters=1"
	}
	resp, err := s.hc.Post(u, "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}
