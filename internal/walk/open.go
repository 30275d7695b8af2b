package walk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular is the error of Open for a path that is no longer a
// regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens a file the walk listed as Regular, for reading, and checks it
// still is one: between the walk and the upload it may have been replaced
// by a FIFO, which a plain open would wait on forever. The open does not
// block (O_NONBLOCK where the system has it), and the type is checked on
// the open file itself.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is a %s now: %w", path, TypeName(fi.Mode()), ErrNotRegular)
	}
	return f, fi, nil
}
