// Package tree uploads a directory tree to S3 as one set: the library
// form of `uploader cp --recursive`.
//
// A set walks the directory with the aws CLI's rules (Include/Exclude
// patterns matched as Python's fnmatch against the path relative to the
// root, the last matching rule winning; symlinks followed or not, loops
// detected; FIFOs, sockets and devices skipped, never opened), maps each
// file to Prefix + its relative path, and uploads up to Files of them at
// once through one *upload.Uploader, whose request budget, buffers and
// bandwidth limit every file shares.
//
// The walk yields keys in the order S3 lists them (the UTF-8 byte order of
// the whole key), so skipping the files already uploaded is a merge of two
// sorted streams, as `aws s3 sync` does: one ListObjectsV2 listing of the
// target prefix (1,000 keys a request) against the walk. Neither stream is
// held whole: memory is bounded by the largest directory, not the tree.
//
// Each file ends as a FileResult with a Class; the Summary counts them and
// ExitCode maps it to the exit status the CLI documents. Nothing here
// prints, reads flags or exits.
package tree
