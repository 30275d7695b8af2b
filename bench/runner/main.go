// Command runner drives the benchmark that bench/run.sh sets up: it makes
// the source files (three kinds, see files.go), runs every tool in
// alternating rounds, measures each run as a process of its own (wall
// clock, user+sys CPU and peak RSS from wait4's rusage, through
// bench/rusage), cleans the targets between runs, and prints markdown
// tables with the issues' targets marked PASS or MISS.
//
//	runner mkfile PATH SIZE     random bytes in 64 MiB writes, fsync'd (rewritten every time)
//	runner evict PATH           fsync, then drop PATH from the page cache (POSIX_FADV_DONTNEED)
//	runner freeport             a free loopback TCP port
//	runner run [flags]          the rounds and the tables
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
		log.Fatal("usage: runner mkfile PATH SIZE | evict PATH | freeport | run [flags]")
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
		if err := writeRandom(os.Args[2], n); err != nil {
			log.Fatal(err)
		}
	case "evict":
		if len(os.Args) != 3 {
			log.Fatal("usage: runner evict PATH")
		}
		if err := evict(os.Args[2]); err != nil {
			log.Fatal(err)
		}
		if r, err := resident(os.Args[2]); err == nil {
			log.Printf("%s: %.1f %% in the page cache", os.Args[2], 100*r)
		}
	case "freeport":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
	case "sets":
		stopOnSignal()
		cfg := parseFlags(os.Args[2:])
		if err := runSets(cfg); err != nil {
			log.Fatal(err)
		}
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

type config struct {
	uploader    string // bin/uploader
	baseline    string // another uploader binary, run beside uploader on the sink ("" = none)
	binDir      string // bench/.bin
	cert        string
	vgw, sink   string // endpoint URLs
	access      string
	secret      string
	dataDir     string
	workDir     string // scratch (aws CLI config, logs)
	sizes       []string
	kinds       []kind
	rounds      int
	partSize    string
	concurrency int
	dirSet      string // "COUNTxSIZE+BIG" or "off"
	// sets (runner sets): the million-file walk row, and the cpu the
	// measured client is pinned to (taskset; "" = not pinned).
	million bool
	pin     string
	// The WAN row (wan.go): versitygw through wanproxy at wan ("" = no
	// row), on a file of wanSize; wanDesc says what the proxy does.
	wan, wanSize, wanDesc string
	// only: "wan", the WAN row alone; "ab", the engine A/B alone (the
	// uploader's and the baseline's sink rows, the client pinned to pin).
	only string
}

// splitList reads "1G,8G", "1G 8G" or "1G, 8G".
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

func parseFlags(args []string) config {
	c := config{rounds: 3, partSize: "16MiB", concurrency: 10, sizes: []string{"1G", "8G"}, kinds: allKinds, dirSet: defaultDirSet, wanSize: "256MiB"}
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
		case "-baseline":
			c.baseline = get(&i)
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
			c.sizes = splitList(get(&i))
			if len(c.sizes) == 0 {
				log.Fatal("-sizes: no size given")
			}
		case "-kinds":
			c.kinds = nil
			for _, name := range splitList(get(&i)) {
				k, ok := findKind(name)
				if !ok {
					log.Fatalf("-kinds: unknown kind %q (write64, pipe, cold)", name)
				}
				c.kinds = append(c.kinds, k)
			}
			if len(c.kinds) == 0 {
				log.Fatal("-kinds: no kind given")
			}
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
		case "-dirset":
			c.dirSet = get(&i)
		case "-million":
			c.million = get(&i) == "1"
		case "-pin":
			c.pin = get(&i)
		case "-wan":
			c.wan = get(&i)
		case "-wan-size":
			c.wanSize = get(&i)
		case "-wan-desc":
			c.wanDesc = get(&i)
		case "-only":
			c.only = get(&i)
			if c.only != "wan" && c.only != "ab" && c.only != "" {
				log.Fatalf("-only: %q (wan, ab)", c.only)
			}
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
	// cmd builds the command for one run; key is unique per run. nil:
	// the row is not configured (a baseline row without -baseline), and
	// neither runs nor prints.
	cmd func(file, key string) (*exec.Cmd, func(), error)
}

// The tools, in the order of the table. The rounds rotate through them
// (the configured ones: tUpSinkBase and tStdinSinkBase only with
// -baseline).
const (
	tUpVgw = iota
	tManagerVgw
	tTMVgw
	tAwsVgw
	tUpSink
	tManagerSink
	tTMSink
	tPutSink
	tStdinSink
	tUpSinkBase    // uploader cp of the file, with the -baseline binary
	tStdinSinkBase // uploader cp - (stdin), with the -baseline binary
	numTools
)

// bench is what every round needs.
type bench struct {
	c    config
	vgw  *s3Admin
	sink *sinkAdmin
}

// expect is what one successful run leaves behind: objects (counted on
// versitygw, and on the sink when sinkObjects) and data bytes (compared on
// the sink: a difference is logged, since retries resend).
type expect struct {
	bytes       int64
	objects     int
	sinkObjects bool
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
	b := &bench{c: c, vgw: newS3(c, hc), sink: &sinkAdmin{url: c.sink, hc: hc}}
	launcher = filepath.Join(c.binDir, "rusage")
	if _, err := os.Stat(launcher); err != nil {
		return fmt.Errorf("the launcher: %w (bench/run.sh builds it)", err)
	}
	if c.baseline != "" {
		if _, err := os.Stat(c.baseline); err != nil {
			return fmt.Errorf("-baseline: %w", err)
		}
	}
	if err := b.vgw.createBucket("bench"); err != nil {
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
	help := string(helpOut)
	resumeFlag, hasResume := resumeSupport(help)
	// On disk, next to the source files: journal writes cost what they cost.
	stateDir := stateDirArgs(help, filepath.Join(c.dataDir, "state"))
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
	peer := func(prog, endpoint string) func(file, key string) (*exec.Cmd, func(), error) {
		return func(file, key string) (*exec.Cmd, func(), error) {
			return simple(filepath.Join(c.binDir, prog), "-endpoint", endpoint, "-ca", c.cert,
				"-part-size", pb, "-concurrency", conc, file, "bench", key), nop, nil
		}
	}
	tools := make([]tool, numTools)
	tools[tUpVgw] = tool{"uploader cp", "versitygw", func(file, key string) (*exec.Cmd, func(), error) {
		return simple(c.uploader, up(c.vgw, file, "s3://bench/"+key)...), nop, nil
	}}
	tools[tManagerVgw] = tool{"bare manager.Uploader", "versitygw", peer("baremanager", c.vgw)}
	tools[tTMVgw] = tool{"bare transfermanager", "versitygw", peer("baretransfermanager", c.vgw)}
	tools[tAwsVgw] = tool{"aws s3 cp", "versitygw", func(file, key string) (*exec.Cmd, func(), error) {
		return simple("aws", "s3", "cp", file, "s3://bench/"+key, "--endpoint-url", c.vgw,
			"--no-progress", "--only-show-errors"), nop, nil
	}}
	// The uploader's sink rows, of bin (the binary under test or the
	// baseline): the baseline rows run exactly as these.
	upFile := func(bin string) func(file, key string) (*exec.Cmd, func(), error) {
		return func(file, key string) (*exec.Cmd, func(), error) {
			return simple(bin, up(c.sink, file, "s3://bench/"+key)...), nop, nil
		}
	}
	upStdin := func(bin string) func(file, key string) (*exec.Cmd, func(), error) {
		return func(file, key string) (*exec.Cmd, func(), error) {
			// cat is started apart, so only the uploader is measured.
			cat := exec.Command("cat", file)
			out, err := cat.StdoutPipe()
			if err != nil {
				return nil, nil, err
			}
			if err := cat.Start(); err != nil {
				return nil, nil, err
			}
			cmd := simple(bin, up(c.sink, "-", "s3://bench/"+key)...)
			cmd.Stdin = out
			return cmd, func() { out.Close(); _ = cat.Wait() }, nil
		}
	}
	tools[tUpSink] = tool{"uploader cp", "sink", upFile(c.uploader)}
	tools[tManagerSink] = tool{"bare manager.Uploader", "sink", peer("baremanager", c.sink)}
	tools[tTMSink] = tool{"bare transfermanager", "sink", peer("baretransfermanager", c.sink)}
	tools[tPutSink] = tool{"bare TLS PUT (floor)", "sink", peer("bareput", c.sink)}
	tools[tStdinSink] = tool{"uploader cp - (stdin)", "sink", upStdin(c.uploader)}
	tools[tUpSinkBase] = tool{"uploader cp (baseline)", "sink", nil}
	tools[tStdinSinkBase] = tool{"uploader cp - (stdin, baseline)", "sink", nil}
	if c.baseline != "" {
		tools[tUpSinkBase].cmd = upFile(c.baseline)
		tools[tStdinSinkBase].cmd = upStdin(c.baseline)
	}
	abOnly := c.only == "ab"
	if abOnly {
		if c.baseline == "" {
			return fmt.Errorf("-only ab without -baseline")
		}
		for i := range tools {
			if i != tUpSink && i != tStdinSink && i != tUpSinkBase && i != tStdinSinkBase {
				tools[i].cmd = nil
			}
		}
		pinCPU = c.pin
		hasResume = false
	}

	var report bytes.Buffer
	w := io.MultiWriter(os.Stdout, &report)
	host, _ := os.Hostname()
	version, _ := exec.Command(c.uploader, "version").Output()
	var kindNames []string
	for _, k := range c.kinds {
		kindNames = append(kindNames, k.name)
	}
	fmt.Fprintf(w, "\n## Results (%s, %s, %d cores, part size %s, concurrency %d, %d round(s), medians; sizes %s; kinds %s)\n\n%s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), host, numCPU(), c.partSize, c.concurrency, c.rounds,
		strings.Join(c.sizes, ", "), strings.Join(kindNames, ", "), lastLine(string(version)))
	if c.baseline != "" {
		baseVersion, _ := exec.Command(c.baseline, "version").Output()
		fmt.Fprintf(w, "\nBaseline (the `(baseline)` rows, sink only): `%s`, %s\n", c.baseline, lastLine(string(baseVersion)))
	}
	fmt.Fprintf(w, "\nKinds of source file:\n\n")
	for _, k := range c.kinds {
		fmt.Fprintf(w, "- `%s`: %s\n", k.name, k.desc)
	}
	fmt.Fprintln(w)

	var twan []targetResult
	if c.wan != "" {
		wanUp := tool{"uploader cp", "versitygw", func(file, key string) (*exec.Cmd, func(), error) {
			return simple(c.uploader, up(c.wan, file, "s3://bench/"+key)...), nop, nil
		}}
		t, err := b.wanRow(w, wanUp, tool{"bare manager.Uploader", "versitygw", peer("baremanager", c.wan)})
		if err != nil {
			return err
		}
		twan = append(twan, t)
	}
	if c.only == "wan" {
		if c.wan == "" {
			return fmt.Errorf("-only wan without -wan")
		}
		if path := os.Getenv("BENCH_REPORT"); path != "" {
			return os.WriteFile(path, report.Bytes(), 0o644)
		}
		return nil
	}

	// Start-up: every tool on a 0-byte file. Below 8 GiB the targets of
	// issue 10 compare uploads net of it.
	empty := filepath.Join(c.dataDir, "empty.bin")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		return err
	}
	log.Printf("start-up: every tool on a 0-byte file, %d round(s)", c.rounds)
	startRes := b.rounds("0", tools, empty, expect{bytes: 0, objects: 1}, nil)
	startup := make([]stat, numTools)
	for i := range tools {
		startup[i] = median(startRes[i])
	}
	printStartup(w, tools, startup, startRes)

	refKind := c.kinds[0]
	for _, k := range c.kinds {
		if k.name == "write64" {
			refKind = k
		}
	}
	var t7, t10, tab []targetResult
	var firstFile string
	for _, sz := range c.sizes {
		n, err := size.Parse(sz)
		if err != nil {
			return fmt.Errorf("BENCH_SIZES %q: %w", sz, err)
		}
		if n == 0 {
			return fmt.Errorf("BENCH_SIZES %q: the 0-byte run is always made; give sizes above 0", sz)
		}
		for _, k := range c.kinds {
			file, err := prepareSource(c.dataDir, k, sz, n)
			if err != nil {
				return err
			}
			if firstFile == "" {
				firstFile = file
			}
			before := func() { beforeRun(k, file) }
			results := b.rounds(sz+"-"+k.name, tools, file, expect{bytes: n, objects: 1}, before)
			var resume resumeResult
			if hasResume {
				resume = measureResume(tools[tUpSink], file, n, resumeFlag, b.sink, before)
			}
			stats := make([]stat, numTools)
			for i := range tools {
				stats[i] = median(results[i])
			}
			if abOnly {
				printABRuns(w, sz, k, tools, results)
				tab = append(tab, abTargets(sz+" "+k.name+": ", n, stats)...)
				if err := evict(file); err != nil {
					log.Printf("evicting %s: %v", file, err)
				}
				continue
			}
			printTable(w, sz, n, k, tools, stats, startup, results, hasResume, resume)
			if k == refKind {
				t7 = append(t7, issue7Targets(sz, n, stats, hasResume, resume, c, partBytes)...)
			}
			t10 = append(t10, issue10Targets(sz, n, k, stats, startup, c, partBytes)...)
			if c.baseline != "" {
				tab = append(tab, abTargets(sz+" "+k.name+": ", n, stats)...)
			}
			// Free the page cache for the next kind (and the tmpfs objects).
			if err := evict(file); err != nil {
				log.Printf("evicting %s: %v", file, err)
			}
		}
	}
	if abOnly {
		fmt.Fprintf(w, "\n### Targets (engine A/B: the uploader against the baseline binary, same rounds; client on cpu %s, sink on another)\n\n"+
			"Whole medians (not net of start-up), on the sink.\n\n| target | measured | result |\n|---|---|---|\n", c.pin)
		printTargets(w, tab)
		if path := os.Getenv("BENCH_REPORT"); path != "" {
			return os.WriteFile(path, report.Bytes(), 0o644)
		}
		return nil
	}
	t7 = append(t7, measurePreflight(c, env, b.sink, firstFile))
	t11 := b.dirSet(w, help, up, simple)

	fmt.Fprintf(w, "\n### Targets (issue 7; kind %s)\n\n| target | measured | result |\n|---|---|---|\n", refKind.name)
	printTargets(w, t7)
	fmt.Fprintf(w, "\n### Targets (issue 10: the engine owns its multipart loop)\n\n"+
		"Below 8 GiB, wall and CPU are net of each tool's 0-byte run (start-up); at 8 GiB and above, whole.\n\n"+
		"| target | measured | result |\n|---|---|---|\n")
	printTargets(w, t10)
	fmt.Fprintf(w, "\n### Targets (issue 11: directory uploads)\n\n| target | measured | result |\n|---|---|---|\n")
	printTargets(w, t11)
	if len(tab) > 0 {
		fmt.Fprintf(w, "\n### Targets (engine A/B: the uploader against the baseline binary, same rounds)\n\n"+
			"Whole medians (not net of start-up), on the sink.\n\n| target | measured | result |\n|---|---|---|\n")
		printTargets(w, tab)
	}
	if len(twan) > 0 {
		fmt.Fprintf(w, "\n### Targets (issue 16: a WAN)\n\n| target | measured | result |\n|---|---|---|\n")
		printTargets(w, twan)
	}
	all := append(append(append(append(append([]targetResult{}, t7...), t10...), t11...), tab...), twan...)
	counts := map[string]int{}
	for _, t := range all {
		counts[t.verdict]++
	}
	fmt.Fprintf(w, "\nSummary: %d PASS, %d MISS, %d n/a, %d info.\n", counts[verdict(true)], counts[verdict(false)], counts["n/a"], counts["info"])
	if path := os.Getenv("BENCH_REPORT"); path != "" {
		if err := os.WriteFile(path, report.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rounds runs every configured tool (cmd set) c.rounds times on file, in
// alternating order, and cleans the target after every run. before runs
// before every run (to put the file in its kind's state). results[i] are
// tools[i]'s runs (none for a tool not configured).
func (b *bench) rounds(label string, tools []tool, file string, want expect, before func()) [][]measurement {
	results := make([][]measurement, len(tools))
	var active []int
	for i, t := range tools {
		if t.cmd != nil {
			active = append(active, i)
		}
	}
	for round := 0; round < b.c.rounds; round++ {
		for j := range active {
			// Rotate the start each round and reverse every other round,
			// so no tool always follows the same neighbour.
			a := (j + round) % len(active)
			if round%2 == 1 {
				a = len(active) - 1 - a
			}
			i := active[a]
			t := tools[i]
			key := fmt.Sprintf("obj-%s-%d-%d", label, round, i)
			if before != nil {
				before()
			}
			m := measure(t, file, key)
			if err := b.cleanUp(t.target, want, m.err == nil); err != nil && m.err == nil {
				m.err = err
			}
			log.Printf("%s %s round %d: %s @ %s: %.2fs wall, %.2fs CPU, %d MiB%s", time.Now().Format("15:04:05"), label, round+1, t.name, t.target,
				m.wall.Seconds(), m.cpu.Seconds(), m.rssKB/1024, errSuffix(m.err))
			results[i] = append(results[i], m)
		}
	}
	return results
}

// cleanUp empties the target after a run (an 8 GiB object and its parts
// would otherwise fill the tmpfs) and checks what a successful run left.
func (b *bench) cleanUp(target string, want expect, ok bool) error {
	if target == "versitygw" {
		n, err := b.vgw.deleteAll("bench")
		if err != nil {
			log.Printf("cleaning versitygw: %v", err)
			return nil
		}
		if ok && want.objects > 0 && n != want.objects {
			return fmt.Errorf("versitygw held %d objects after the run, want %d", n, want.objects)
		}
		return nil
	}
	defer func() {
		if err := b.sink.reset(false); err != nil {
			log.Printf("resetting the sink: %v", err)
		}
	}()
	st, err := b.sink.stats()
	if err != nil {
		log.Printf("reading the sink's counters: %v", err)
		return nil
	}
	switch {
	case !ok:
	case st.ChecksumFails > 0:
		return fmt.Errorf("the sink saw %d bad checksums", st.ChecksumFails)
	case want.sinkObjects && st.Ops["PutObject"]+st.Ops["CompleteMultipartUpload"] < int64(want.objects):
		return fmt.Errorf("the sink saw %d PutObject and %d CompleteMultipartUpload, want %d objects",
			st.Ops["PutObject"], st.Ops["CompleteMultipartUpload"], want.objects)
	case st.DataBytes != want.bytes:
		log.Printf("  the sink received %d data bytes, want %d (retries?)", st.DataBytes, want.bytes)
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

// launcher is bench/.bin/rusage, which every measured run goes through:
// the runner's own peak RSS would otherwise floor every child's (see
// bench/rusage).
var launcher string

// measure runs one tool once through the launcher, which reports the
// tool's wall time and its rusage from wait4.
func measure(t tool, file, key string) measurement {
	cmd, done, err := t.cmd(file, key)
	if err != nil {
		return measurement{err: err}
	}
	defer done()
	rd, wr, err := os.Pipe()
	if err != nil {
		return measurement{err: err}
	}
	defer rd.Close()
	lc := exec.Command(launcher, append([]string{"--", cmd.Path}, cmd.Args[1:]...)...)
	if pinCPU != "" {
		// taskset execs the launcher, which reports its child's own usage.
		lc = exec.Command("taskset", append([]string{"-c", pinCPU, launcher, "--", cmd.Path}, cmd.Args[1:]...)...)
	}
	lc.Env, lc.Stdin, lc.Dir = cmd.Env, cmd.Stdin, cmd.Dir
	var stderr bytes.Buffer
	lc.Stdout = io.Discard
	lc.Stderr = &stderr
	lc.ExtraFiles = []*os.File{wr}
	start := time.Now()
	if err = lc.Start(); err == nil {
		wr.Close()
		setRunning(lc)
		err = lc.Wait()
		setRunning(nil)
	} else {
		wr.Close()
	}
	m := measurement{wall: time.Since(start)}
	rep, _ := io.ReadAll(rd)
	var wallNS, userNS, sysNS int64
	if _, serr := fmt.Sscan(string(rep), &wallNS, &userNS, &sysNS, &m.rssKB); serr == nil {
		m.wall = time.Duration(wallNS)
		m.cpu = time.Duration(userNS + sysNS)
	} else if err == nil {
		err = fmt.Errorf("no usage report from %s (%q)", launcher, rep)
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

// hasFlag says whether cp --help lists flag (e.g. --recursive) as a flag
// of its own ("      --recursive   ..." or "  -r, --recursive   ..."), not
// merely in prose or in another flag's description.
func hasFlag(help, flag string) bool {
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "-") {
			continue
		}
		names := f[:1]
		if strings.HasSuffix(f[0], ",") && len(f) > 1 {
			names = f[:2]
		}
		for _, name := range names {
			name = strings.TrimSuffix(name, ",")
			if name == flag || strings.HasPrefix(name, flag+"=") {
				return true
			}
		}
	}
	return false
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
	notCut  bool // the first run finished before the kill: nothing to measure
}

// measureResume starts an upload to the sink, kills it (SIGKILL, as a
// crash) once half the file has reached the sink, and reruns it; the sink
// counts what the rerun sends. before runs before each of the two runs.
func measureResume(t tool, file string, n int64, flag string, sink *sinkAdmin, before func()) resumeResult {
	if err := sink.reset(false); err != nil {
		return resumeResult{err: err}
	}
	key := "resume-" + strconv.FormatInt(n, 10)
	before()
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
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && !ws.Signaled() {
		_ = sink.reset(false)
		return resumeResult{err: errors.New("n/a: the first run ended before the kill at 50 % (too small a file to cut)"), notCut: true}
	}
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
	before()
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
