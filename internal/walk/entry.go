package walk

import (
	"io/fs"
	"time"
)

// Kind says what an Entry is and what to do with it.
type Kind int

const (
	// Regular is a regular file (or a symlink to one, when followed): to
	// upload.
	Regular Kind = iota
	// Special is a FIFO, socket or device: skipped, never opened (opening
	// a FIFO blocks until a writer comes).
	Special
	// Loop is a symlinked directory that leads back to one of its own
	// ancestors: not descended into again.
	Loop
	// Broken could not be examined: a dangling symlink, a file whose
	// metadata cannot be read.
	Broken
	// UnreadableDir is a directory that could not be read (or read only
	// in part: what was read is yielded after it). Not a file: a set
	// reports and counts it apart.
	UnreadableDir
)

func (k Kind) String() string {
	switch k {
	case Regular:
		return "regular"
	case Special:
		return "special"
	case Loop:
		return "loop"
	case Broken:
		return "broken"
	case UnreadableDir:
		return "unreadable directory"
	}
	return "unknown"
}

// Entry is one path the walk found.
type Entry struct {
	// Rel is the path relative to the root, '/'-separated: what filters
	// match and what object keys are made of.
	Rel string
	// Path is the root joined with Rel, symlinks in it left unresolved:
	// the path to open, and a stable identity for resume journals.
	Path    string
	Kind    Kind
	Size    int64       // Regular
	ModTime time.Time   // Regular
	Mode    fs.FileMode // Special: the file type (ModeNamedPipe, ModeSocket, ...)
	// Err says what went wrong, for Loop, Broken and UnreadableDir.
	Err error
}

// TypeName names a special file's type for a message: "named pipe",
// "socket", "character device", "device", or "irregular file".
func TypeName(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "device"
	}
	return "irregular file"
}
