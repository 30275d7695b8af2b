// Package journal records the progress of one multipart upload on local disk
// so that a rerun after a crash or Ctrl-C resends only the parts S3 has not
// acknowledged.
//
// # Layout
//
// A Store is one directory (mode 0700, see DefaultDir). Each upload, named by
// its Identity (absolute source path, bucket, key), owns two files there:
//
//	<id>.journal   the journal (mode 0600)
//	<id>.lock      an flock(2) lock file holding the owner's pid (mode 0600)
//
// where <id> is Identity.ID. Remove deletes both; Close leaves both (a lock
// file whose holder died does not block: the kernel dropped its flock). A
// journal found corrupt is renamed to
// <id>.journal.corrupt-<unix seconds> and never read again; a temporary file
// <id>.journal.tmp-* is a Begin that crashed before its rename and is removed
// by the next Begin.
//
// # File format (version 1)
//
// JSON Lines. Every line is an envelope whose CRC-32C (Castagnoli) covers the
// exact bytes of the payload it carries, written in this byte-exact shape:
//
//	{"crc32c":"<8 lowercase hex>","header":{...}}\n
//	{"crc32c":"<8 lowercase hex>","part":{...}}\n
//
// The first line is the header:
//
//	{"version":1,"source":"/abs/path","bucket":"b","key":"k",
//	 "size":104857600,"mtime":"2025-01-02T03:04:05.123456789Z","part_size":8388608,
//	 "sse":"aws:kms;key=...","checksum":"CRC64NVME/FULL_OBJECT",
//	 "upload_id":"...","created":"2025-01-02T03:04:06Z"}
//
// and every later line one acknowledged part:
//
//	{"number":1,"size":8388608,"etag":"\"9b2cf535f27731c974343645a3985328\"","checksum":"AAAAAAAAAAA="}
//
// A part number that appears twice counts with its last line. Unknown fields
// are rejected: a new field means a new version.
//
// # Crash safety
//
// Begin writes the header (and any initial parts) to a temporary file,
// fsyncs it, renames it over the journal and fsyncs the directory, so a
// reader sees the old journal or the new one, never a mixture. AddPart
// appends one line with O_APPEND and fsyncs before it returns; appends are
// serialised, so at any instant at most one line is not yet durable, and a
// crash can only leave that last line torn. Load therefore ignores a bad
// final line (that part counts as not done, which is safe: it is sent again)
// and cuts it off so the next append starts on a clean line. A bad header, or
// a bad line followed by another line, cannot come from a crash of this
// code; Load sets such a file aside and returns *CorruptError.
//
// # Secrets
//
// Nothing secret is stored: no credentials, and Settings.SSE must carry an
// SSE-C key only as its digest, never the key itself.
package journal
