#!/usr/bin/env bash
# The main job against the local AWS stack (moto behind the S3-KMS gate), in
# at most 120 lines: a 64 MiB SSE-KMS upload, verified and read back; a user
# without kms:Decrypt, whose upload the preflight stops and whose failure
# mid-upload is explained; the fix and the resume; the small file that
# needs no kms:Decrypt. Every command is printed before it runs, as
# USER$ COMMAND. The stack is stopped on exit (by its pid file).
#
# UPLOADER_BIN and TESTSTACK_BIN name the binaries (default bin/uploader,
# bin/teststack); DEMO_DIR the folder it works in (default .demo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
uploader=$(realpath "${UPLOADER_BIN:-bin/uploader}")
teststack=$(realpath "${TESTSTACK_BIN:-bin/teststack}")
dir=$(realpath -m "${DEMO_DIR:-.demo}")

"$teststack" stop --dir "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/state"
trap '"$teststack" stop --dir "$dir" >/dev/null 2>&1 || true' EXIT
ln -s "$uploader" "$dir/bin/uploader"

"$teststack" start --dir "$dir" >"$dir/start.out"
cat "$dir/pid" "$dir/moto.pid" >"$dir/pids.started" # for the test that checks none is left
echo "local AWS stack started (moto + the S3-KMS gate, logs in $dir); stopped when the demo ends"
cd "$dir"

# shellcheck disable=SC1091
bucket=$( . ./env.full; echo "$UPLOADER_TEST_BUCKET" )
KEY=$( . ./env.full; echo "$UPLOADER_TEST_KEY_ARN" )
echo "KEY=$KEY"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# as USER COMMAND...: prints "USER$ COMMAND" (the key's ARN as $KEY), then
# runs it with that user's credentials, its output passed through
# cut_repeats. Never fails: the exit code is in $rc.
as() {
  local user=$1; shift
  local shown="$*"
  printf '%s$ %s\n' "$user" "${shown//$KEY/\$KEY}"
  set +e
  ( set -a; . "./env.$user"; XDG_STATE_HOME="$dir/state"; PATH="$dir/bin:$PATH"; set +a; "$@" ) 2>&1 | cut_repeats
  rc=${PIPESTATUS[0]}
  set -e
}

# cut_repeats replaces a run of 4 or more lines already printed (a remedy's
# policy statements, the same preflight rows) with one line saying so: the
# tool prints each in full every time; the demo says it once.
cut_repeats() {
  python3 -c '
import sys
path = sys.argv[1]
try:
    seen = set(open(path).read().split("\n"))
except FileNotFoundError:
    seen = set()
lines = sys.stdin.read().split("\n")
if lines and lines[-1] == "":
    lines.pop()
out, i = [], 0
while i < len(lines):
    j = i
    while j < len(lines) and (lines[j].strip() == "" or lines[j].strip() in seen):
        j += 1
    run = [l for l in lines[i:j] if l.strip()]
    if len(run) >= 4:
        indent = run[0][: len(run[0]) - len(run[0].lstrip())]
        out.append("%s[%d lines as printed above: cut by the demo]" % (indent, j - i))
        i = j
    else:
        out.append(lines[i])
        i += 1
seen.update(l.strip() for l in lines)
open(path, "w").write("\n".join(seen))
if out:
    print("\n".join(out))
' "$dir/seen"
}

head -c $((64 << 20)) /dev/urandom >backup.bin
head -c $((100 << 10)) /dev/urandom >small.bin

step "1. 64 MiB with SSE-KMS, as a user allowed kms:GenerateDataKey and kms:Decrypt"
as full uploader cp backup.bin "s3://$bucket/demo/backup.bin" --sse aws:kms --sse-kms-key-id "$KEY"
[ "$rc" -eq 0 ] || { echo "demo: the permitted upload failed (exit $rc)" >&2; exit 1; }
as full aws s3 cp "s3://$bucket/demo/backup.bin" readback.bin --quiet
as full sha256sum backup.bin readback.bin
a=$(sha256sum <backup.bin | cut -d' ' -f1)
b=$(sha256sum <readback.bin | cut -d' ' -f1)
if [ "$a" != "$b" ]; then
  echo "demo: sha256 MISMATCH: the object read back is not the file" >&2
  exit 1
fi
echo "sha256 match: the object read back from S3 is the file, byte for byte"

step "2. a user without kms:Decrypt: the preflight proves the 64 MiB upload would fail"
as nodecrypt uploader preflight "s3://$bucket/demo/backup2.bin" --source backup.bin --sse aws:kms --sse-kms-key-id "$KEY"
pre=$rc

step "3. the same user, 100 KiB: one PutObject needs only kms:GenerateDataKey (WARN, uploaded)"
as nodecrypt uploader cp small.bin "s3://$bucket/demo/small.bin" --sse aws:kms --sse-kms-key-id "$KEY"
small=$rc

step "4. the 64 MiB upload without the preflight: S3's bare AccessDenied on UploadPart, explained"
as nodecrypt uploader cp backup.bin "s3://$bucket/demo/backup2.bin" --sse aws:kms --sse-kms-key-id "$KEY" --no-preflight
denied=$rc
as full uploader uploads list "s3://$bucket/demo/"
as full uploader uploads abort "s3://$bucket/demo/" --older-than 7d

step "5. the fix (kms:Decrypt for the user), then the same command again: it resumes"
# moto matches KMS actions only with "Resource": "*"; on AWS give the key
# ARN, as the remedy does.
echo '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}' >decrypt.json
as admin aws iam put-user-policy --user-name nodecrypt --policy-name AllowUploaderKMSDecrypt --policy-document file://decrypt.json
as nodecrypt uploader cp backup.bin "s3://$bucket/demo/backup2.bin" --sse aws:kms --sse-kms-key-id "$KEY" --no-preflight
resumed=$rc

if [ "$pre" -ne 3 ] || [ "$small" -ne 0 ] || [ "$denied" -ne 3 ] || [ "$resumed" -ne 0 ]; then
  echo "demo: unexpected exit codes: preflight $pre (want 3), small $small (0), denied $denied (3), resumed $resumed (0)" >&2
  exit 1
fi
cd "$root"
"$teststack" stop --dir "$dir" >/dev/null
echo "demo done (exit codes 3, 0, 3, 0 as expected); the local stack is stopped."
