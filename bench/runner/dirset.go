package main

import (
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/uploader-dev/uploader/internal/size"
)

// defaultDirSet is issue 11's set: 10,000 small files in 10 folders and
// one big file, uploaded by one `uploader cp --recursive`.
const defaultDirSet = "10000x4KiB+1GiB"

// dirSetRSSLimit bounds the peak RSS of a directory upload. A file upload
// must stay under 40 MiB (issue 10: parts are read in place, not
// buffered); the walk and the per-file state of 10,000 files (paths, keys,
// a small body each, 10 at a time) may add 24 MiB, about 2.4 KiB per file.
// What the bound catches: memory that grows with the number of files (a
// goroutine, a buffer or a response kept per file: 10,000 x 8 KiB stacks
// alone is 78 MiB) or part buffers for the big file ((concurrency+1) x
// part = 176 MiB at the defaults).
const dirSetRSSLimit = 64

type dirSpec struct {
	count       int
	small, big  int64
	folders     int
	name, label string
}

func parseDirSet(s string) (dirSpec, error) {
	var d dirSpec
	files, big, ok := strings.Cut(s, "+")
	if !ok {
		big = "0"
	}
	cnt, small, ok := strings.Cut(files, "x")
	if !ok {
		return d, fmt.Errorf("BENCH_DIRSET %q: want COUNTxSIZE+BIG (e.g. %s) or off", s, defaultDirSet)
	}
	var err error
	if d.count, err = strconv.Atoi(cnt); err != nil || d.count < 0 {
		return d, fmt.Errorf("BENCH_DIRSET %q: bad count %q", s, cnt)
	}
	if d.small, err = size.Parse(small); err != nil {
		return d, fmt.Errorf("BENCH_DIRSET %q: %w", s, err)
	}
	if d.big, err = size.Parse(big); err != nil {
		return d, fmt.Errorf("BENCH_DIRSET %q: %w", s, err)
	}
	if d.count == 0 && d.big == 0 {
		return d, fmt.Errorf("BENCH_DIRSET %q: an empty set", s)
	}
	d.folders = min(10, max(1, d.count))
	d.name = fmt.Sprintf("dirset-%dx%d+%d", d.count, d.small, d.big)
	d.label = fmt.Sprintf("%d files of %s in %d folders + 1 file of %s", d.count, size.Format(d.small), d.folders, size.Format(d.big))
	if d.big == 0 {
		d.label = fmt.Sprintf("%d files of %s in %d folders", d.count, size.Format(d.small), d.folders)
	}
	return d, nil
}

func (d dirSpec) objects() int {
	if d.big > 0 {
		return d.count + 1
	}
	return d.count
}

func (d dirSpec) bytes() int64 { return int64(d.count)*d.small + d.big }

// makeDirSet writes the set under dataDir once (a marker file beside it
// says it is complete) and returns its folder.
func makeDirSet(dataDir string, d dirSpec) (string, error) {
	dir := filepath.Join(dataDir, d.name)
	marker := dir + ".ok"
	if _, err := os.Stat(marker); err == nil {
		return dir, nil
	}
	start := time.Now()
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	var seed [32]byte
	copy(seed[:], fmt.Sprintf("uploader bench dirset %d", time.Now().UnixNano()))
	r := rand.NewChaCha8(seed)
	buf := make([]byte, d.small)
	for f := range d.folders {
		if err := os.MkdirAll(filepath.Join(dir, fmt.Sprintf("d%02d", f)), 0o755); err != nil {
			return "", err
		}
	}
	for i := range d.count {
		_, _ = r.Read(buf)
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%d.folders), fmt.Sprintf("f%05d.bin", i))
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return "", err
		}
	}
	if d.big > 0 {
		if err := writeRandom(filepath.Join(dir, "big.bin"), d.big); err != nil {
			return "", err
		}
	}
	if err := exec.Command("sync").Run(); err != nil {
		return "", err
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return "", err
	}
	log.Printf("made %s (%s) in %.1fs", dir, d.label, time.Since(start).Seconds())
	return dir, nil
}

// warmDir reads every file of dir through the page cache.
func warmDir(dir string) {
	_ = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			warm(p)
		}
		return nil
	})
}

// dirSet measures issue 11's directory upload (`uploader cp --recursive
// DIR s3://bench/PREFIX/`) on both targets, when the binary has it, and
// returns its targets.
func (b *bench) dirSet(w io.Writer, help string, up func(string, ...string) []string, simple func(string, ...string) *exec.Cmd) []targetResult {
	c := b.c
	name := fmt.Sprintf("directory upload: peak RSS < %d MiB", dirSetRSSLimit)
	if strings.EqualFold(c.dirSet, "off") {
		fmt.Fprintf(w, "### Directory set (issue 11)\n\nnot run: BENCH_DIRSET=off\n\n")
		return []targetResult{{name, "not run: BENCH_DIRSET=off", "n/a"}}
	}
	d, err := parseDirSet(c.dirSet)
	if err != nil {
		fmt.Fprintf(w, "### Directory set (issue 11)\n\nnot run: %s\n\n", oneLine(err))
		return []targetResult{{name, "not run: " + oneLine(err), verdict(false)}}
	}
	fmt.Fprintf(w, "### Directory set (issue 11): %s (%s in all)\n\n", d.label, size.Format(d.bytes()))
	if !hasFlag(help, "--recursive") {
		msg := "n/a: `uploader cp --help` lists no --recursive (directory uploads not in this binary yet)"
		log.Printf("directory set skipped: %s", msg)
		fmt.Fprintf(w, "%s\n\n", msg)
		return []targetResult{{name, msg, "n/a"}}
	}
	dir, err := makeDirSet(c.dataDir, d)
	if err != nil {
		fmt.Fprintf(w, "not run: making the set: %s\n\n", oneLine(err))
		return []targetResult{{name, "making the set failed: " + oneLine(err), verdict(false)}}
	}
	recursive := func(endpoint string) func(file, key string) (*exec.Cmd, func(), error) {
		return func(file, key string) (*exec.Cmd, func(), error) {
			return simple(c.uploader, up(endpoint, "--recursive", file, "s3://bench/"+key+"/")...), func() {}, nil
		}
	}
	tools := []tool{
		{"uploader cp --recursive", "versitygw", recursive(c.vgw)},
		{"uploader cp --recursive", "sink", recursive(c.sink)},
	}
	log.Printf("directory set: %s, %d round(s)", d.label, c.rounds)
	results := b.rounds("dirset", tools, dir, expect{bytes: d.bytes(), objects: d.objects(), sinkObjects: true}, func() { warmDir(dir) })
	fmt.Fprintf(w, "| tool | target | wall s | MiB/s | files/s | CPU s | peak RSS MiB |\n|---|---|---|---|---|---|---|\n")
	var out []targetResult
	for i, t := range tools {
		s := median(results[i])
		tname := fmt.Sprintf("%s (%s)", name, t.target)
		if s.ok == 0 {
			fmt.Fprintf(w, "| %s | %s | failed: %s | | | | |\n", t.name, t.target, oneLine(s.err))
			out = append(out, targetResult{tname, "failed: " + oneLine(s.err), verdict(false)})
			continue
		}
		fmt.Fprintf(w, "| %s%s | %s | %.2f | %.0f | %.0f | %.2f | %.1f |\n", t.name, failedNote(s, len(results[i])), t.target,
			s.wall.Seconds(), float64(d.bytes())/(1<<20)/s.wall.Seconds(), float64(d.objects())/s.wall.Seconds(), s.cpu.Seconds(), s.rssMiB)
		out = append(out, targetResult{tname, fmt.Sprintf("%.1f MiB (%.2f s wall, %.2f CPU-s)", s.rssMiB, s.wall.Seconds(), s.cpu.Seconds()), verdict(s.rssMiB < dirSetRSSLimit)})
	}
	fmt.Fprintln(w)
	return out
}
