package journal

import "os"

// Has reports whether a journal exists for id (an upload of that file to
// that key was kept): one stat, no lock taken and nothing read. A set
// asks it before deciding to skip a file, so that a kept upload is
// resumed (or recognised as completed) by the engine, never skipped.
func (s *Store) Has(id Identity) bool {
	_, err := os.Lstat(s.journalPath(id))
	return err == nil
}
