package main

import (
	"fmt"
	"os"
)

// checkStateDir proves the journal folder writable before any request: a
// resumable upload journals its first part there, and finding out then
// would waste the preflight and leave an upload no journal can resume.
// flagSet says whether --state-dir named it, for the advice.
func checkStateDir(dir string, flagSet bool) error {
	f, err := os.CreateTemp(dir, ".uploader-write-check-*")
	if err == nil {
		name := f.Name()
		f.Close()
		return os.Remove(name)
	}
	if flagSet {
		return usagef(fmt.Errorf("--state-dir %s is not writable (%v): name a folder this user can write, or fix its permissions", dir, unwrapPath(err)))
	}
	return usagef(fmt.Errorf("the state folder %s (resume journals) is not writable (%v): pass --state-dir DIR or set XDG_STATE_HOME to a writable folder, or fix its permissions", dir, unwrapPath(err)))
}

// unwrapPath drops the temporary file's name from a *PathError: the
// folder is what matters.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
