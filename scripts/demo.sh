#!/usr/bin/env bash
# The main job against the local AWS stack: a 64 MiB SSE-KMS upload as a
# permitted user, then the same upload as a user without kms:Decrypt, which
# fails on UploadPart as it does on AWS. The stack is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.demo
bin/teststack stop --dir "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir"
trap 'bin/teststack stop --dir "$dir" >/dev/null 2>&1 || true' EXIT

bin/teststack start --dir "$dir"

head -c $((64 << 20)) /dev/urandom > "$dir/backup.bin"

run_as() { # run_as USER command...: a subshell with that user's environment
  local user=$1; shift
  ( set -a; . "$dir/env.$user"; XDG_STATE_HOME="$PWD/$dir/state"; set +a; "$@" )
}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# shellcheck disable=SC1090,SC2016
key_arn=$( . "$dir/env.full"; echo "$UPLOADER_TEST_KEY_ARN" )
bucket=$( . "$dir/env.full"; echo "$UPLOADER_TEST_BUCKET" )

step "1. a user with kms:GenerateDataKey and kms:Decrypt uploads 64 MiB with SSE-KMS"
echo "\$ uploader cp backup.bin s3://$bucket/demo/backup.bin --sse aws:kms --sse-kms-key-id $key_arn"
run_as full bin/uploader cp "$dir/backup.bin" "s3://$bucket/demo/backup.bin" --sse aws:kms --sse-kms-key-id "$key_arn"

step "2. a user without kms:Decrypt: the same upload (multipart needs kms:Decrypt)"
echo "\$ uploader cp backup.bin s3://$bucket/demo/backup-nodecrypt.bin --sse aws:kms --sse-kms-key-id $key_arn"
set +e
run_as nodecrypt bin/uploader cp "$dir/backup.bin" "s3://$bucket/demo/backup-nodecrypt.bin" --sse aws:kms --sse-kms-key-id "$key_arn"
code=$?
set -e
echo "(exit code $code)"

step "3. the same upload with --no-preflight: S3's bare AccessDenied on UploadPart, explained"
set +e
run_as nodecrypt bin/uploader cp "$dir/backup.bin" "s3://$bucket/demo/backup-nodecrypt.bin" --sse aws:kms --sse-kms-key-id "$key_arn" --no-preflight
code3=$?
set -e
echo "(exit code $code3)"
# (moto rejects the signature of a ListMultipartUploads with a prefix, so
# the demo lists the whole bucket; S3 takes s3://BUCKET/PREFIX.)
echo "\$ uploader uploads list s3://$bucket"
run_as full bin/uploader uploads list "s3://$bucket"
echo "\$ uploader uploads abort s3://$bucket --older-than 1s"
sleep 1
run_as full bin/uploader uploads abort "s3://$bucket" --older-than 1s

step "4. the same user, a 100 KiB file: one PutObject needs only kms:GenerateDataKey"
head -c $((100 << 10)) /dev/urandom > "$dir/small.bin"
set +e
run_as nodecrypt bin/uploader cp "$dir/small.bin" "s3://$bucket/demo/small.bin" --sse aws:kms --sse-kms-key-id "$key_arn"
echo "(exit code $?)"
set -e

if [ "$code" -eq 0 ] || [ "$code3" -eq 0 ]; then
  echo "demo: the user without kms:Decrypt was expected to fail" >&2
  exit 1
fi
echo
echo "demo done; the local stack is stopped."
