#!/bin/sh
# The README's Quick start, as it is run by e2e/quickstart_test.go: build,
# start the local AWS stack (moto + the S3-KMS gate; needs moto_server on
# PATH), upload one file with SSE-KMS as a permitted user, stop the stack.
# Run from the repository's root.
set -e

make build bin/teststack                          # bin/uploader and bin/teststack
stack=$(mktemp -d)
bin/teststack start --dir "$stack"                # on free loopback ports
. "$stack/env.full"                               # endpoint and credentials of a user allowed to upload
head -c 20M /dev/urandom > "$stack/backup.bin"
bin/uploader cp "$stack/backup.bin" s3://uploader-test/backup.bin --sse aws:kms --sse-kms-key-id alias/uploader-test
bin/teststack stop --dir "$stack"
