package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Lock and journal files never follow a symbolic link. In a state folder
// someone else can write, a link planted at a predictable name (the lock's
// or the journal's) would otherwise make this process write through it,
// as whoever runs it (root, a backup user): truncating the link's target
// and writing a pid into it. So every open of a lock or journal file is
// O_NOFOLLOW (and non-blocking, so a FIFO planted there cannot hang it),
// then fstat'ed: a regular file, owned by this user, with one link (a
// hard link is another way to point at someone's file). Anything else is
// refused with an *UnsafeFileError naming the path; the file and whatever
// it points to are left untouched. Renames and unlinks act on the name,
// never on a link's target, and need no such care.

// UnsafeFileError is a lock or journal file that is not a plain file of
// this user's: a symbolic link, another user's file, a file with several
// links, or not a regular file.
type UnsafeFileError struct {
	Path string
	Why  string // "is a symbolic link to /etc/passwd", ...
}

func (e *UnsafeFileError) Error() string {
	return fmt.Sprintf("refusing %s: it %s, which this user did not create (someone who can write the state folder may have planted it; its target was not touched); remove it (rm %q) or use another --state-dir, and check who else can write that folder", e.Path, e.Why, e.Path)
}

// openFile opens a lock or journal file without following a link at
// path, and checks what it opened.
func openFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := openNoFollow(path, flag, perm)
	if err != nil {
		if isLoop(err) {
			return nil, &UnsafeFileError{Path: path, Why: linkWhy(path)}
		}
		return nil, err
	}
	if why := unsafeFile(f); why != "" {
		f.Close()
		return nil, &UnsafeFileError{Path: path, Why: why}
	}
	return f, nil
}

// readFile is os.ReadFile through openFile.
func readFile(path string) ([]byte, error) {
	f, err := openFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func linkWhy(path string) string {
	if to, err := os.Readlink(path); err == nil {
		return fmt.Sprintf("is a symbolic link (to %s)", to)
	}
	return "is a symbolic link"
}

// IsUnsafe reports whether err is an *UnsafeFileError.
func IsUnsafe(err error) bool {
	var ue *UnsafeFileError
	return errors.As(err, &ue)
}
