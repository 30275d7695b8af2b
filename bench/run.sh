#!/usr/bin/env bash
# make bench: uploader against a bare manager.Uploader, a bare
# transfermanager, the aws CLI and a bare TLS PUT floor, over TLS, on this
# machine, on three kinds of source file. See bench/README.md.
#
# Knobs: BENCH_SIZES (default "1G,8G"), BENCH_KINDS (default
# "write64,pipe,cold"), BENCH_ROUNDS (default 3), BENCH_DIRSET (the
# directory set, default 10000x4KiB+1GiB; off to skip), BENCH_PART_SIZE
# (16MiB), BENCH_CONCURRENCY (10), BENCH_DIR (where the source files live;
# default bench/.data, on disk), BENCH_REPORT (also write the tables to this
# file), BENCH_UPLOADER (the uploader binary to measure; default
# bin/uploader, which make bench builds from the working tree),
# BENCH_BASELINE (another uploader binary, e.g. an older build: adds the
# rows "uploader cp (baseline)" and "uploader cp - (stdin, baseline)" on the
# sink, in the same rounds, and the engine A/B targets, CPU <= 1.03 x the
# baseline; unset: no baseline rows), BENCH_KEEP=1
# (keep the tmpfs folder with the server logs), BENCH_WAN (the WAN row's
# latency each way and bandwidth per connection, default "25ms,5000" (KB/s);
# off to skip), BENCH_WAN_SIZE (256MiB), BENCH_ONLY=wan (the WAN row alone),
# BENCH_ONLY=ab (the engine A/B alone: the uploader's and BENCH_BASELINE's
# file and stdin rows on the sink, the sink pinned to one cpu and the
# client to another, every run listed; set BENCH_ROUNDS high, the spread
# between runs is wider than 3 %).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
sizes=${BENCH_SIZES:-1G,8G}
kinds=${BENCH_KINDS:-write64,pipe,cold}
rounds=${BENCH_ROUNDS:-3}
dirset=${BENCH_DIRSET:-10000x4KiB+1GiB}
part=${BENCH_PART_SIZE:-16MiB}
conc=${BENCH_CONCURRENCY:-10}
data=${BENCH_DIR:-$repo/bench/.data}
bin=$repo/bench/.bin
mkdir -p "$data" "$bin"

case "$(df -P "$data" | awk 'NR==2 {print $1}')" in
  tmpfs|shm|none) echo "bench: $data is on tmpfs; the source files must be on disk (set BENCH_DIR)" >&2; exit 2 ;;
esac
uploader=${BENCH_UPLOADER:-$repo/bin/uploader}
[ -x "$uploader" ] || { echo "bench: $uploader missing: run make build (make bench does)" >&2; exit 2; }
baseargs=()
abpin=()
sinkpin=()
if [ "${BENCH_ONLY:-}" = ab ]; then
  [ -n "${BENCH_BASELINE:-}" ] || { echo "bench: BENCH_ONLY=ab needs BENCH_BASELINE (the binary to compare with)" >&2; exit 2; }
  command -v taskset >/dev/null || { echo "bench: taskset (util-linux) is not on PATH" >&2; exit 2; }
  [ "$(nproc)" -ge 2 ] || { echo "bench: one cpu: the sink and the client cannot be pinned apart" >&2; exit 2; }
  sinkpin=(taskset -c "$(($(nproc) - 1))")
  abpin=(-pin 0)
  BENCH_WAN=off
fi
if [ -n "${BENCH_BASELINE:-}" ]; then
  [ -x "$BENCH_BASELINE" ] || { echo "bench: BENCH_BASELINE=$BENCH_BASELINE is not an executable" >&2; exit 2; }
  baseargs=(-baseline "$BENCH_BASELINE")
fi
command -v aws >/dev/null || { echo "bench: the aws CLI is not on PATH" >&2; exit 2; }

echo "bench: building the bench tools" >&2
go build -o "$bin/" ./bench/sink ./bench/bareput ./bench/certgen ./bench/runner ./bench/rusage
# The peers are a module of their own: the main module depends on neither.
(cd bench/peers && go build -o "$bin/" ./baremanager ./baretransfermanager ./wanproxy)

# versitygw: the other developer's installer when present, else the same
# go install into .cache/bin (idempotent).
if [ -x scripts/install-versitygw.sh ] || [ -f scripts/install-versitygw.sh ]; then
  vgwbin=$(bash scripts/install-versitygw.sh)
else
  vgwbin=$repo/.cache/bin/versitygw
  if ! go version -m "$vgwbin" 2>/dev/null | grep -q 'github.com/versity/versitygw[[:space:]]*v1.8.0'; then
    echo "bench: installing versitygw v1.8.0 (about a minute)" >&2
    GOBIN=$repo/.cache/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
  fi
fi

run=$(mktemp -d /dev/shm/uploader-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  [ -n "${BENCH_KEEP:-}" ] && { echo "bench: kept $run" >&2; return; }
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/certgen" "$run"
access=benchaccess
secret=benchsecret$RANDOM$RANDOM

# versitygw on tmpfs, TLS, a free loopback port. Its fds are closed but
# stdio (to a log), so it cannot hold a caller's pipe open.
mkdir -p "$run/root" "$run/meta"
vport=$("$bin/runner" freeport)
"$vgwbin" --port "127.0.0.1:$vport" --cert "$run/cert.pem" --key "$run/key.pem" \
  -a "$access" -s "$secret" posix --sidecar "$run/meta" "$run/root" \
  </dev/null >"$run/versitygw.log" 2>&1 &
pids+=($!)
"${sinkpin[@]}" "$bin/sink" -cert "$run/cert.pem" -key "$run/key.pem" -port-file "$run/sink.port" \
  </dev/null >"$run/sink.log" 2>&1 &
pids+=($!)

for _ in $(seq 100); do
  if [ -s "$run/sink.port" ] && (exec 3<>"/dev/tcp/127.0.0.1/$vport") 2>/dev/null; then
    break
  fi
  sleep 0.1
done
[ -s "$run/sink.port" ] || { echo "bench: the sink did not start:" >&2; cat "$run/sink.log" >&2; exit 1; }
(exec 3<>"/dev/tcp/127.0.0.1/$vport") 2>/dev/null || { echo "bench: versitygw did not start:" >&2; cat "$run/versitygw.log" >&2; exit 1; }
sport=$(cat "$run/sink.port")

# The WAN row: toxiproxy (bench/peers/wanproxy) in front of versitygw.
wan=${BENCH_WAN:-25ms,5000}
wanargs=()
if [ "$wan" != off ]; then
  "$bin/wanproxy" -upstream "127.0.0.1:$vport" -latency "${wan%%,*}" -rate "${wan##*,}" -port-file "$run/wan.port" \
    </dev/null >"$run/wanproxy.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$run/wan.port" ] && break; sleep 0.1; done
  [ -s "$run/wan.port" ] || { echo "bench: wanproxy did not start:" >&2; cat "$run/wanproxy.log" >&2; exit 1; }
  wanargs=(-wan "https://127.0.0.1:$(cat "$run/wan.port")" -wan-size "${BENCH_WAN_SIZE:-256MiB}"
    -wan-desc "latency ${wan%%,*} each way, ${wan##*,} KB/s per connection each way")
fi
[ -n "${BENCH_ONLY:-}" ] && wanargs+=(-only "$BENCH_ONLY")

echo "bench: versitygw v1.8.0 on https://127.0.0.1:$vport ($run/root, tmpfs); sink on https://127.0.0.1:$sport" >&2
echo "bench: sizes $sizes, kinds $kinds, $rounds round(s), part $part, concurrency $conc, directory set $dirset, files in $data" >&2

echo "bench: measuring $("$uploader" version 2>&1 | head -1)" >&2
if [ -n "${BENCH_BASELINE:-}" ]; then
  echo "bench: baseline $BENCH_BASELINE: $("$BENCH_BASELINE" version 2>&1 | head -1)" >&2
fi
# In the background, so a signal reaches the trap at once (bash defers
# traps while a foreground child runs); the runner stops its own child.
"$bin/runner" run -uploader "$uploader" -bin "$bin" -cert "$run/cert.pem" \
  -vgw "https://127.0.0.1:$vport" -sink "https://127.0.0.1:$sport" -access "$access" -secret "$secret" \
  -data "$data" -work "$run" -sizes "$sizes" -kinds "$kinds" -rounds "$rounds" -dirset "$dirset" \
  -part-size "$part" -concurrency "$conc" "${baseargs[@]}" "${abpin[@]}" "${wanargs[@]}" &
runner=$!
pids=("$runner" "${pids[@]}")
wait "$runner"
