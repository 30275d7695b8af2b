package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const (
	journalExt = ".journal"
	lockExt    = ".lock"
)

// DefaultDir is where journals live unless the user says otherwise:
// $XDG_STATE_HOME/uploader, else ~/.local/state/uploader. A relative
// XDG_STATE_HOME is ignored, as the XDG spec asks.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "uploader"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("journal: no state folder: %w", err)
	}
	return filepath.Join(home, ".local", "state", "uploader"), nil
}

// Store is a folder of journals. It holds no state beyond the folder's
// path, so it is safe for concurrent use; exclusion between runs comes from
// the per-upload locks (see Lock).
type Store struct {
	dir string
}

// Open returns the store in dir, creating dir (and missing parents) with
// mode 0700. An existing folder keeps its mode, but one that other users
// can write (or that another user owns) is refused (safe_unix.go); the
// journals themselves are always 0600, and never opened through a link.
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("journal: state folder: %w", err)
	}
	if err := unsafeDir(abs); err != nil {
		return nil, err
	}
	return &Store{dir: abs}, nil
}

// Dir is the store's folder, absolute.
func (s *Store) Dir() string { return s.dir }

func (s *Store) journalPath(id Identity) string {
	return filepath.Join(s.dir, id.ID()+journalExt)
}

func (s *Store) lockPath(id Identity) string {
	return filepath.Join(s.dir, id.ID()+lockExt)
}

// List reads every journal in the store, sorted by creation time, for
// `uploads list`. It takes no locks: journals are replaced by rename and
// appended whole lines at a time, so a concurrent writer is seen either
// before or after a change, and a line being appended is ignored as torn.
// A journal that cannot be read or trusted is reported in the errors (a
// *CorruptError, left in place) and left out of the records.
func (s *Store) List() ([]Record, []error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, []error{fmt.Errorf("journal: %w", err)}
	}
	var recs []Record
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, journalExt) || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(s.dir, name)
		data, err := readFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir: the upload finished
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("journal: %w", err))
			continue
		}
		r, _, err := decode(data)
		if err == nil && r.Identity.ID()+journalExt != name {
			err = fmt.Errorf("it belongs to %s, whose journal has another name", r.Identity)
		}
		if err != nil {
			errs = append(errs, &CorruptError{Path: path, Reason: err.Error()})
			continue
		}
		r.Path = path
		recs = append(recs, *r)
	}
	slices.SortFunc(recs, func(a, b Record) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	return recs, errs
}

// Delete removes the journal of id, for cleaning up after an upload that is
// gone from the server. It takes the lock, so it returns *LockedError while
// a run is using the journal; deleting a journal that does not exist is not
// an error.
func (s *Store) Delete(id Identity) error {
	j, err := s.Lock(id)
	if err != nil {
		return err
	}
	return errors.Join(j.Remove(), j.Close())
}

// syncDir makes a rename or unlink in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
