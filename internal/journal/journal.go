package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Journal is the locked journal of one upload, from Store.Lock.
//
// All methods are safe for concurrent use; AddPart is meant to be called
// from many part goroutines at once. Begin, Load, Remove and Close
// serialise with AddPart, so calling them while parts are still being
// recorded is safe but the order between them is whatever the caller makes
// it.
type Journal struct {
	id       Identity
	dir      string
	path     string
	lockPath string

	mu   sync.Mutex
	lock *os.File // nil once closed
	f    *os.File // append handle; nil until Begin or a successful Load
	size int64    // bytes of f known to be whole lines
	err  error    // sticky: after a failed append nothing more is written
}

// Identity is the upload this journal belongs to.
func (j *Journal) Identity() Identity { return j.id }

// Path is the journal file (which may not exist yet).
func (j *Journal) Path() string { return j.path }

// Load reads the journal. It returns (nil, nil) when there is none.
//
// A journal that cannot be trusted (a bad or torn header, a bad line before
// the last, another format version, another upload's identity) is renamed
// to <path>.corrupt-<unix seconds> and *CorruptError returned; the next
// Begin starts clean. A torn or bad last line is what a crash mid-append
// leaves: that part is left out (it will be sent again) and the line is cut
// off the file so that later appends start on a line of their own.
//
// After a successful Load, AddPart appends to the loaded journal. The
// returned Record is the caller's; it does not change with AddPart.
func (j *Journal) Load() (*Record, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.lock == nil {
		return nil, ErrClosed
	}
	j.closeFile()
	data, err := readFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	r, good, err := decode(data)
	if err == nil && r.Identity != j.id {
		err = fmt.Errorf("it belongs to %s", r.Identity)
	}
	if err != nil {
		ce := j.setAside(err.Error())
		ce.UploadID = salvageUploadID(data, j.id)
		return nil, ce
	}
	f, err := openFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if good < len(data) {
		if err := errors.Join(f.Truncate(int64(good)), f.Sync()); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal: cutting the torn last line of %s: %w", j.path, err)
		}
	}
	j.f, j.size, j.err = f, int64(good), nil
	r.Path = j.path
	return r, nil
}

// setAside moves an untrusted journal out of the way, keeping it for a
// post-mortem rather than deleting it.
func (j *Journal) setAside(reason string) *CorruptError {
	ce := &CorruptError{Path: j.path, Reason: reason}
	base := fmt.Sprintf("%s.corrupt-%d", j.path, time.Now().Unix())
	to := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(to); errors.Is(err, fs.ErrNotExist) {
			break
		}
		to = fmt.Sprintf("%s-%d", base, n)
	}
	if err := os.Rename(j.path, to); err != nil {
		// Still never trusted: the caller gets the CorruptError either way
		// and Begin replaces the file.
		ce.Reason += fmt.Sprintf("; could not set it aside: %v", err)
		return ce
	}
	ce.MovedTo = to
	syncDir(j.dir)
	return ce
}

// Begin starts a new journal for r.UploadID, replacing any old one. r's
// Identity may be left zero (it is the journal's) and must otherwise equal
// it; Version may be left zero; a zero Created means now. Parts already in
// r are written too, which lets the caller rewrite a journal down to the
// parts it verified with the server. r.Path is ignored.
//
// The new journal is written to a temporary file, fsynced, renamed over the
// old one and the folder fsynced: a crash at any point leaves the old
// journal or the new one, whole. When Begin returns nil the new journal is
// durable. When it fails the old journal is untouched on disk, but this
// Journal records nothing (AddPart returns ErrNoJournal) until a Begin or
// Load succeeds.
func (j *Journal) Begin(r Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.lock == nil {
		return ErrClosed
	}
	if r.Identity == (Identity{}) {
		r.Identity = j.id
	}
	if r.Identity != j.id {
		return fmt.Errorf("journal: Begin for %s on the journal of %s", r.Identity, j.id)
	}
	if r.Version == 0 {
		r.Version = FormatVersion
	}
	if r.Created.IsZero() {
		r.Created = time.Now()
	}
	data, err := encode(&r)
	if err != nil {
		return err
	}
	j.closeFile()
	// Temporary files of a Begin that crashed; ours alone since we hold
	// the lock.
	if old, _ := filepath.Glob(j.path + ".tmp-*"); len(old) > 0 {
		for _, p := range old {
			os.Remove(p)
		}
	}
	tmp, err := os.CreateTemp(j.dir, filepath.Base(j.path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), j.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("journal: writing %s: %w", j.path, err)
	}
	if err := syncDir(j.dir); err != nil {
		return fmt.Errorf("journal: writing %s: %w", j.path, err)
	}
	f, err := openFile(j.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	j.f, j.size, j.err = f, int64(len(data)), nil
	return nil
}

// AddPart records an acknowledged part. It returns only once the line is
// fsynced: a part AddPart returned nil for survives a crash. Safe for
// concurrent use; appends are serialised (one write and fsync at a time),
// which keeps at most one line in flight so a crash can tear only the last
// line. A part number added twice counts with the last call.
//
// After a failed write or fsync the journal refuses all further appends
// (what is on disk stays a valid prefix); the error says so, and the upload
// can go on without recording progress or stop.
func (j *Journal) AddPart(p Part) error {
	line, err := encodePart(p)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.lock == nil:
		return ErrClosed
	case j.err != nil:
		return j.err
	case j.f == nil:
		return ErrNoJournal
	}
	_, err = j.f.Write(line)
	if err == nil {
		err = j.f.Sync()
	}
	if err != nil {
		// Cut a partial line so a later Load does not see it in the
		// middle; if even that fails, it is the last line and ignored.
		j.f.Truncate(j.size)
		j.err = fmt.Errorf("journal: recording part %d in %s failed, progress is no longer recorded: %w", p.Number, j.path, err)
		return j.err
	}
	j.size += int64(len(line))
	return nil
}

// Remove deletes the journal, after CompleteMultipartUpload or
// AbortMultipartUpload. Removing a journal that does not exist is not an
// error. The lock file is deleted too, so that finished uploads leave
// nothing behind; from then on another process may lock the identity,
// which is harmless since there is no journal left to share. Call Close
// afterwards to release the descriptor.
func (j *Journal) Remove() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.lock == nil {
		return ErrClosed
	}
	j.closeFile()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("journal: %w", err)
	}
	// Unlinked while we still hold the flock: Lock's inode check keeps a
	// process that opened the old file from believing it holds the lock.
	os.Remove(j.lockPath)
	if err := syncDir(j.dir); err != nil {
		return fmt.Errorf("journal: removing %s: %w", j.path, err)
	}
	return nil
}

// Close releases the lock; the journal file stays for the next run. Close
// is idempotent; every other method returns ErrClosed afterwards.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.lock == nil {
		return nil
	}
	err := j.closeFile()
	// Closing the descriptor releases the flock.
	err = errors.Join(err, j.lock.Close())
	j.lock = nil
	return err
}

func (j *Journal) closeFile() error {
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
