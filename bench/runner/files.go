package main

import (
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// A kind is a way of making the source file, which decides how the page
// cache holds it when the upload starts. The same bytes cost a reader very
// different CPU depending on it: a file written in big writes sits in large
// folios, one written through a pipe in small ones (every 4 KiB page of an
// mmap window then faults on its own), and an evicted one is read from the
// disk (docs/design.md, "Measured costs").
type kind struct {
	name string
	desc string
}

var allKinds = []kind{
	{"write64", "written with 64 MiB writes (large page-cache folios), in the page cache"},
	{"pipe", "written by head -c N /dev/urandom > f (a pipe: small page-cache folios), in the page cache"},
	{"cold", "written with 64 MiB writes, then fsync and POSIX_FADV_DONTNEED before every run (read from the disk)"},
}

func findKind(name string) (kind, bool) {
	for _, k := range allKinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// sourceFile is where the file of kind k and size sz lives. cold shares
// write64's file: once evicted, how it was written no longer matters.
func sourceFile(dataDir string, k kind, sz string) string {
	name := k.name
	if name == "cold" {
		name = "write64"
	}
	return filepath.Join(dataDir, name+"-"+sz+".bin")
}

// prepareSource makes the file for kind k. write64 and pipe are written
// afresh every time (and fsync'd, so no writeback runs under a
// measurement): only a fresh write puts the page cache in the state the
// kind names; a file kept from an earlier run may have been evicted and
// read back through readahead since. cold reuses a file of the right size.
func prepareSource(dataDir string, k kind, sz string, n int64) (string, error) {
	path := sourceFile(dataDir, k, sz)
	start := time.Now()
	var err error
	switch k.name {
	case "write64":
		err = writeRandom(path, n)
	case "pipe":
		err = writePipe(path, n)
	case "cold":
		if fi, serr := os.Stat(path); serr == nil && fi.Size() == n {
			return path, nil
		}
		err = writeRandom(path, n)
	default:
		err = fmt.Errorf("unknown kind %q", k.name)
	}
	if err == nil {
		log.Printf("made %s (%s, %s) in %.1fs", path, sz, k.name, time.Since(start).Seconds())
	}
	return path, err
}

// writeRandom writes n random bytes to path with 64 MiB writes, then
// fsyncs. ChaCha8 makes them at several GB/s, so the disk sets the pace.
func writeRandom(path string, n int64) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	var seed [32]byte
	copy(seed[:], fmt.Sprintf("uploader bench %d %d", n, time.Now().UnixNano()))
	r := rand.NewChaCha8(seed)
	buf := make([]byte, min(n, 64<<20))
	for left := n; left > 0; {
		m := min(int64(len(buf)), left)
		_, _ = r.Read(buf[:m])
		if _, err := f.Write(buf[:m]); err != nil {
			f.Close()
			return err
		}
		left -= m
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writePipe writes n bytes as `head -c N /dev/urandom > f` does (head's
// small writes), then fsyncs.
func writePipe(path string, n int64) error {
	tmp := path + ".tmp"
	cmd := exec.Command("sh", "-c", `head -c "$1" /dev/urandom > "$2"`, "sh", strconv.FormatInt(n, 10), tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("head -c %d /dev/urandom: %v: %s", n, err, out)
	}
	if fi, err := os.Stat(tmp); err != nil || fi.Size() != n {
		return fmt.Errorf("head -c %d /dev/urandom wrote a short file", n)
	}
	if err := fsync(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func fsync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// evict drops path from the page cache: fsync (DONTNEED skips dirty
// pages), then posix_fadvise(POSIX_FADV_DONTNEED) over the whole file.
func evict(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	return fadviseDontNeed(f)
}

// beforeRun puts the source file in its kind's state before one run: cold
// is evicted; the others are expected fully in the page cache as written,
// and are read back (with a warning: their folios are then readahead's,
// not the kind's) only when memory pressure took pages away.
func beforeRun(k kind, path string) {
	if k.name == "cold" {
		if err := evict(path); err != nil {
			log.Printf("evicting %s: %v", path, err)
			return
		}
		if r, err := resident(path); err == nil && r > 0.01 {
			log.Printf("warning: %.0f %% of %s still in the page cache after POSIX_FADV_DONTNEED", 100*r, path)
		}
		return
	}
	r, err := resident(path)
	if err != nil || r >= 0.999 {
		return
	}
	log.Printf("warning: only %.1f %% of %s in the page cache (memory pressure?); reading it back, so its folios are no longer as the kind %s made them", 100*r, path, k.name)
	warm(path)
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
