package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// pinCPU is the cpu measured clients are pinned to ("" = not pinned).
var pinCPU string

// Issue 15's sets: what a nightly backup job costs.
const (
	setFiles       = 5000      // files of 1-64 KiB in 50 folders
	dryrunDirs     = 200       // x 100 folders x 10 empty files = 200,000
	millionDirs    = 1000      // x 1,000 empty files
	walkRSSLimit   = 64.0      // MiB, peak RSS of --dryrun of 200,000 and of 1,000,000 files
	dryrunWallGoal = 1.8       // s, today's --dryrun of 200,000 files (issue 15)
	rerunGoal      = 1.0       // x aws s3 sync, wall and CPU
	firstCPUGoal   = 1.15      // x the bare PutObject loop's CPU
	setsPrefix     = "sets/a/" // the uploader's set, rerun by both tools
)

// runSets measures issue 15's rows on versitygw: the first upload of a
// 5,000-file set against a bare SDK PutObject loop, the rerun of the
// unchanged set against aws s3 sync, --dryrun of 200,000 files, and
// (-million 1) a walk of 1,000,000 files. The client is pinned to -pin's
// cpu, the server (bench/sets.sh) to another.
func runSets(c config) error {
	pinCPU = c.pin
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(c.cert)
	if err != nil {
		return err
	}
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: time.Minute}
	vgw := newS3(c, hc)
	launcher = filepath.Join(c.binDir, "rusage")
	if err := vgw.createBucket("bench"); err != nil {
		return fmt.Errorf("creating the versitygw bucket: %w", err)
	}
	if _, err := vgw.deleteAll("bench"); err != nil {
		return err
	}
	awsConfig := filepath.Join(c.workDir, "aws-config-sets")
	if err := os.WriteFile(awsConfig, []byte("[default]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 10\n  addressing_style = path\n"), 0o644); err != nil {
		return err
	}
	env := append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+c.access, "AWS_SECRET_ACCESS_KEY="+c.secret, "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+awsConfig, "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CA_BUNDLE="+c.cert, "AWS_PAGER=")
	simple := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		return cmd
	}
	state := filepath.Join(c.dataDir, "state-sets")
	up := func(args ...string) *exec.Cmd {
		return simple(c.uploader, append([]string{"cp", "--recursive", "--no-preflight", "--no-progress", "--quiet",
			"--concurrency", "10", "--endpoint-url", c.vgw, "--ca-bundle", c.cert, "--state-dir", state}, args...)...)
	}
	dir, err := makeSmallSet(c.dataDir)
	if err != nil {
		return err
	}
	var report bytes.Buffer
	w := io.MultiWriter(os.Stdout, &report)
	host, _ := os.Hostname()
	version, _ := exec.Command(c.uploader, "version").Output()
	pinned := "client not pinned"
	if c.pin != "" {
		pinned = "client on cpu " + c.pin + ", versitygw on another (taskset)"
	}
	fmt.Fprintf(w, "\n## Sets (issue 15; %s, %s, %d cores, %s, %d round(s), medians)\n\n%s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), host, numCPU(), pinned, c.rounds, lastLine(string(version)))
	fmt.Fprintf(w, "| row | tool | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|---|\n")
	row := func(name, tool string, s stat) {
		if s.ok == 0 {
			fmt.Fprintf(w, "| %s | %s | failed: %s | | |\n", name, tool, oneLine(s.err))
			return
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %.2f | %.1f |\n", name, tool, s.wall.Seconds(), s.cpu.Seconds(), s.rssMiB)
	}
	once := func(cmd *exec.Cmd) measurement {
		return measure(tool{cmd: func(string, string) (*exec.Cmd, func(), error) { return cmd, func() {}, nil }}, "", "")
	}

	// First upload: a fresh prefix each round, emptied after.
	var firstUp, firstBare []measurement
	for i := range c.rounds {
		warmDir(dir)
		firstUp = append(firstUp, once(up(dir, "s3://bench/sets/first/")))
		if _, err := vgw.deleteAll("bench"); err != nil {
			return err
		}
		firstBare = append(firstBare, once(simple(filepath.Join(c.binDir, "bareputloop"), "-endpoint", c.vgw, "-ca", c.cert,
			"-concurrency", "10", dir, "bench", "sets/first/")))
		if _, err := vgw.deleteAll("bench"); err != nil {
			return err
		}
		log.Printf("sets: first upload round %d done", i+1)
	}
	fu, fb := median(firstUp), median(firstBare)
	row("first upload, 5,000 files of 1-64 KiB", "uploader cp --recursive", fu)
	row("first upload", "bare SDK PutObject loop, 10 goroutines", fb)

	// Rerun of the unchanged set: both tools against the same uploaded
	// prefix (aws s3 sync sees its objects as current: same size, newer).
	if m := once(up(dir, "s3://bench/"+setsPrefix)); m.err != nil {
		return fmt.Errorf("uploading the set for the reruns: %w", m.err)
	}
	var reUp, reSync, reContent []measurement
	for range c.rounds {
		warmDir(dir)
		reUp = append(reUp, once(up(dir, "s3://bench/"+setsPrefix, "--skip-existing")))
		reSync = append(reSync, once(simple("aws", "s3", "sync", dir, "s3://bench/"+setsPrefix, "--endpoint-url", c.vgw, "--no-progress", "--only-show-errors")))
		reContent = append(reContent, once(up(dir, "s3://bench/"+setsPrefix, "--skip-existing=content")))
	}
	ru, rs, rc := median(reUp), median(reSync), median(reContent)
	row("rerun, unchanged", "uploader cp --recursive --skip-existing", ru)
	row("rerun, unchanged", "aws s3 sync", rs)
	row("rerun, unchanged", "uploader cp --recursive --skip-existing=content (for information)", rc)
	if n, err := vgw.deleteAll("bench"); err != nil || n != setFiles {
		log.Printf("sets: %d objects after the reruns, want %d (%v)", n, setFiles, err)
	}

	// --dryrun of 200,000 empty files, and the opt-in million.
	walk := func(dirs, sub, per int, name string) stat {
		d, err := makeEmptyTree(c.dataDir, name, dirs, sub, per)
		if err != nil {
			return stat{err: err}
		}
		var ms []measurement
		for range c.rounds {
			ms = append(ms, once(up(d, "s3://bench/dry/", "--dryrun")))
		}
		return median(ms)
	}
	dry := walk(dryrunDirs, 100, 10, "dry-200000")
	row("--dryrun, 200,000 empty files (200 x 100 x 10)", "uploader cp --recursive --dryrun", dry)
	var mil stat
	if c.million {
		mil = walk(millionDirs, 0, 1000, "dry-1000000")
		row("walk, 1,000,000 empty files (1,000 x 1,000)", "uploader cp --recursive --dryrun", mil)
	}
	fmt.Fprintln(w)

	ratio := func(a, b time.Duration) float64 { return a.Seconds() / max(b.Seconds(), 1e-9) }
	fmt.Fprintf(w, "| target | measured | verdict |\n|---|---|---|\n")
	target := func(name, got string, ok bool) { fmt.Fprintf(w, "| %s | %s | %s |\n", name, got, verdict(ok)) }
	if ru.ok > 0 && rs.ok > 0 {
		target("rerun <= 1.0x aws s3 sync, wall", fmt.Sprintf("%.2fx", ratio(ru.wall, rs.wall)), ratio(ru.wall, rs.wall) <= rerunGoal)
		target("rerun <= 1.0x aws s3 sync, CPU", fmt.Sprintf("%.2fx", ratio(ru.cpu, rs.cpu)), ratio(ru.cpu, rs.cpu) <= rerunGoal)
	}
	if fu.ok > 0 && fb.ok > 0 {
		target("first upload <= 1.15x the bare PutObject loop's CPU", fmt.Sprintf("%.2fx (wall %.2fx)", ratio(fu.cpu, fb.cpu), ratio(fu.wall, fb.wall)), ratio(fu.cpu, fb.cpu) <= firstCPUGoal)
	}
	if dry.ok > 0 {
		target("--dryrun of 200,000 files < 64 MiB", fmt.Sprintf("%.1f MiB", dry.rssMiB), dry.rssMiB < walkRSSLimit)
		target("--dryrun of 200,000 files <= 1.8 s", fmt.Sprintf("%.2f s", dry.wall.Seconds()), dry.wall.Seconds() <= dryrunWallGoal)
	}
	if c.million && mil.ok > 0 {
		target("walk of 1,000,000 files < 64 MiB", fmt.Sprintf("%.1f MiB (%.2f s)", mil.rssMiB, mil.wall.Seconds()), mil.rssMiB < walkRSSLimit)
	}
	fmt.Fprintln(w)
	return nil
}

// makeSmallSet writes 5,000 random files of 1-64 KiB in 50 folders once.
func makeSmallSet(dataDir string) (string, error) {
	dir := filepath.Join(dataDir, "sets-5000")
	if _, err := os.Stat(dir + ".ok"); err == nil {
		return dir, nil
	}
	_ = os.RemoveAll(dir)
	r := rand.New(rand.NewPCG(15, 15))
	buf := make([]byte, 64<<10)
	for i := range setFiles {
		d := filepath.Join(dir, fmt.Sprintf("d%02d", i%50))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
		n := 1<<10 + r.IntN(63<<10+1)
		for j := range n {
			buf[j] = byte(r.Uint32())
		}
		if err := os.WriteFile(filepath.Join(d, "f"+strconv.Itoa(i)+".bin"), buf[:n], 0o644); err != nil {
			return "", err
		}
	}
	return dir, os.WriteFile(dir+".ok", nil, 0o644)
}

// makeEmptyTree writes dirs folders of sub folders (0: none) of per empty
// files each, once.
func makeEmptyTree(dataDir, name string, dirs, sub, per int) (string, error) {
	dir := filepath.Join(dataDir, name)
	if _, err := os.Stat(dir + ".ok"); err == nil {
		return dir, nil
	}
	_ = os.RemoveAll(dir)
	start := time.Now()
	for i := range dirs {
		leaves := []string{filepath.Join(dir, fmt.Sprintf("d%04d", i))}
		if sub > 0 {
			leaves = leaves[:0]
			for j := range sub {
				leaves = append(leaves, filepath.Join(dir, fmt.Sprintf("d%04d", i), fmt.Sprintf("s%03d", j)))
			}
		}
		for _, l := range leaves {
			if err := os.MkdirAll(l, 0o755); err != nil {
				return "", err
			}
			for k := range per {
				f, err := os.Create(filepath.Join(l, fmt.Sprintf("f%04d", k)))
				if err != nil {
					return "", err
				}
				f.Close()
			}
		}
	}
	log.Printf("made %s in %.1fs", dir, time.Since(start).Seconds())
	return dir, os.WriteFile(dir+".ok", nil, 0o644)
}
