package journal

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Lock takes the exclusive lock on the upload id and returns its Journal.
// It does not wait: when another process (or another Journal in this one)
// holds the lock it returns *LockedError naming the holder's pid.
//
// The lock is flock(2) on <id>.lock beside the journal, so the kernel drops
// it when the holder exits, however it dies: a lock file left behind by a
// killed run never blocks the next one. The file holds the holder's pid,
// for the message only.
func (s *Store) Lock(id Identity) (*Journal, error) {
	if err := id.validate(); err != nil {
		return nil, err
	}
	path := s.lockPath(id)
	// Remove unlinks the lock file while holding it; a process that opened
	// the old file and then got the lock would hold a lock nobody else can
	// see. Hence: lock, then check that the path still names what we
	// locked, else start over.
	for range 10 {
		f, err := openFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if IsUnsafe(err) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("journal: lock: %w", err)
		}
		if err := tryFlock(f); err != nil {
			if errors.Is(err, errWouldBlock) {
				pid := readPID(f)
				f.Close()
				return nil, &LockedError{PID: pid, Path: path, Identity: id}
			}
			f.Close()
			return nil, fmt.Errorf("journal: lock %s: %w", path, err)
		}
		if !samePath(f, path) {
			f.Close()
			continue
		}
		// Best effort: the pid only improves another run's message.
		if f.Truncate(0) == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return &Journal{id: id, dir: s.dir, path: s.journalPath(id), lockPath: path, lock: f}, nil
	}
	return nil, fmt.Errorf("journal: lock %s: the lock file keeps being replaced", path)
}

func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path) // the name itself, never a link's target
	return err == nil && os.SameFile(a, b)
}

// readPID reads the holder's pid. The holder writes it just after taking
// the lock, so an empty file is retried briefly before giving up with 0.
func readPID(f *os.File) int {
	for try := 0; ; try++ {
		buf := make([]byte, 32)
		n, _ := f.ReadAt(buf, 0)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n]))); err == nil && pid > 0 {
			return pid
		}
		if try == 5 {
			return 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}
