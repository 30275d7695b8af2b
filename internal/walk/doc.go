// Package walk lists the files of a directory tree for a recursive upload,
// with the aws CLI's semantics: --include/--exclude patterns matched as
// Python's fnmatch against the path relative to the root (the last rule
// that matches wins; a path no rule matches is included), symlinks
// followed or not, loops of symlinked directories detected by (device,
// inode), and special files (FIFOs, sockets, devices) reported, never
// opened. It never prints or exits: what it found and what went wrong are
// in the entries it returns.
package walk
