#!/usr/bin/env bash
# Installs versitygw (a real S3 gateway that computes checksums, unlike moto;
# see internal/teststack/doc.go) into <repo>/.cache/bin once, and prints the
# binary's path on stdout. Build output goes to stderr.
#
# It skips the build when the binary is there and was built from the pinned
# module version (read from the binary itself with `go version -m`, so a
# stale or hand-copied binary is replaced). Concurrent runs (parallel test
# packages) wait for each other on a lock instead of building twice, and the
# binary appears by rename, so nobody executes a half-written file.
set -euo pipefail

module=github.com/versity/versitygw
version=v1.8.0

repo=$(cd "$(dirname "$0")/.." && pwd)
bindir=$repo/.cache/bin
bin=$bindir/versitygw
mkdir -p "$bindir"

installed() {
  [ -x "$bin" ] && go version -m "$bin" 2>/dev/null |
    awk -v m="$module" -v v="$version" '$1 == "mod" && $2 == m && $3 == v { ok = 1 } END { exit !ok }'
}

if installed; then
  echo "$bin"
  exit 0
fi

exec 9>"$bindir/.versitygw.lock"
if command -v flock >/dev/null; then
  flock 9
fi
if installed; then # another run built it while we waited
  echo "$bin"
  exit 0
fi

tmp=$(mktemp -d "$bindir/.install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "building $module/cmd/versitygw@$version (about a minute)..." >&2
GOBIN=$tmp GOFLAGS=-buildvcs=false go install "$module/cmd/versitygw@$version" >&2
mv -f "$tmp/versitygw" "$bin"
installed || { echo "installed $bin but it does not report $module $version" >&2; exit 1; }
echo "$bin"
