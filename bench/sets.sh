#!/usr/bin/env bash
# Issue 15's rows: what a nightly backup set costs. versitygw (TLS, tmpfs)
# pinned to one cpu, every measured client to another (taskset), medians
# of BENCH_ROUNDS (default 3):
#   - first upload of 5,000 files of 1-64 KiB: uploader cp --recursive
#     against a bare SDK PutObject loop (bench/peers/bareputloop);
#   - rerun of the unchanged set: --skip-existing against aws s3 sync;
#   - cp --recursive --dryrun of 200,000 empty files (peak RSS, wall);
#   - BENCH_MILLION=1: the same of 1,000,000 files (opt-in).
# make bench runs it after the main tables unless BENCH_SETS=off; alone:
# make bench-sets. See bench/README.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
rounds=${BENCH_ROUNDS:-3}
data=${BENCH_DIR:-$repo/bench/.data}
bin=$repo/bench/.bin
mkdir -p "$data" "$bin"
uploader=${BENCH_UPLOADER:-$repo/bin/uploader}
[ -x "$uploader" ] || { echo "bench: $uploader missing: run make build" >&2; exit 2; }
command -v aws >/dev/null || { echo "bench: the aws CLI is not on PATH" >&2; exit 2; }
command -v taskset >/dev/null || { echo "bench: taskset (util-linux) is not on PATH" >&2; exit 2; }
ncpu=$(nproc)
server_cpu=$((ncpu - 1))
client_cpu=0
[ "$ncpu" -ge 2 ] || { echo "bench: one cpu: the server and the client cannot be pinned apart" >&2; exit 2; }

go build -o "$bin/" ./bench/runner ./bench/rusage ./bench/certgen
(cd bench/peers && go build -o "$bin/" ./bareputloop)
vgwbin=$repo/.cache/bin/versitygw
if [ -f scripts/install-versitygw.sh ]; then
  vgwbin=$(bash scripts/install-versitygw.sh)
elif ! go version -m "$vgwbin" 2>/dev/null | grep -q 'github.com/versity/versitygw[[:space:]]*v1.8.0'; then
  GOBIN=$repo/.cache/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi

run=$(mktemp -d /dev/shm/uploader-sets.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${BENCH_KEEP:-}" ] && { echo "bench: kept $run" >&2; return; }
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/certgen" "$run"
access=benchaccess
secret=benchsecret$RANDOM$RANDOM
mkdir -p "$run/root" "$run/meta"
vport=$("$bin/runner" freeport)
taskset -c "$server_cpu" "$vgwbin" --port "127.0.0.1:$vport" --cert "$run/cert.pem" --key "$run/key.pem" \
  -a "$access" -s "$secret" posix --sidecar "$run/meta" "$run/root" \
  </dev/null >"$run/versitygw.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$vport") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$vport") 2>/dev/null || { echo "bench: versitygw did not start:" >&2; cat "$run/versitygw.log" >&2; exit 1; }
echo "bench: sets: versitygw on cpu $server_cpu, clients on cpu $client_cpu, $rounds round(s)" >&2
"$bin/runner" sets -uploader "$uploader" -bin "$bin" -cert "$run/cert.pem" \
  -vgw "https://127.0.0.1:$vport" -access "$access" -secret "$secret" \
  -data "$data" -work "$run" -rounds "$rounds" -pin "$client_cpu" -million "${BENCH_MILLION:-0}" &
runner=$!
pids=("$runner" "${pids[@]}")
wait "$runner"
