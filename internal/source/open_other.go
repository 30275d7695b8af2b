//go:build !unix

package source

import "os"

// openNonBlocking: systems without unix FIFOs cannot block in open the
// way unix does; the stat before it is the guard.
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
