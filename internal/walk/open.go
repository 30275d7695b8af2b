package walk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/uploader-dev/uploader/internal/source"
)

// ErrNotRegular is the error of Open for a path that is no longer a
// regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens a file the walk listed as Regular, for reading, and checks it
// still is one: between the walk and the upload it may have been replaced
// by a FIFO, which a plain open would wait on forever. source.Open does
// the work (a stat first, an open that cannot block, the type checked on
// the open file); this names the change in the walk's words.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, fi, err := source.Open(path)
	var nr *source.NotRegularError
	if errors.As(err, &nr) {
		return nil, nil, fmt.Errorf("%s is a %s now: %w", path, TypeName(nr.Mode), ErrNotRegular)
	}
	return f, fi, err
}
