// Package source opens an upload's source file without ever blocking: a
// named pipe, socket or device given as a path is refused before it is
// opened (opening a FIFO waits for a writer, forever if none comes), and
// the open itself cannot wait either.
package source

import (
	"fmt"
	"io/fs"
	"os"
)

// NotRegularError is a source path that names something other than a
// regular file. Kind says what, in words: "named pipe (FIFO)", "socket",
// "device", "directory".
type NotRegularError struct {
	Path string
	Kind string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is a %s, not a regular file", e.Path, e.Kind)
}

// Stream reports whether the source could be read as a stream instead
// (from standard input): a pipe, socket or character device can, a
// directory cannot.
func (e *NotRegularError) Stream() bool { return e.Mode&fs.ModeDir == 0 }

// Open opens path for reading if it is a regular file. It stats first, so
// a FIFO is never opened, then opens without blocking (O_NONBLOCK where the
// system has it, cleared again) and checks the opened file too, in case
// the path was replaced in between.
func Open(path string) (*os.File, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := regular(path, fi); err != nil {
		return nil, nil, err
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
	if err == nil {
		err = regular(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func regular(path string, fi os.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	kind := "special file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeCharDevice != 0:
		kind = "character device"
	case m&fs.ModeDevice != 0:
		kind = "block device"
	case m.IsDir():
		kind = "directory"
	}
	return &NotRegularError{Path: path, Kind: kind, Mode: m}
}
