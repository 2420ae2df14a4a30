#!/usr/bin/env bash
# `npm run bench`: builds what the benchmarks need, runs every suite with the subjects
# alternated run by run (A B A B ...), and writes BENCHMARKS.md and bench/charts/*.svg.
#   server   duplex-load against duplex-server, Node ws (bench/node) and fws-echo
#            (fastwebsockets): ping-pong, pipelined echo, relay fan-out
#   backplane  relay fan-out with the sender on one instance and the receivers on another,
#            the rooms joined through Redis (--redis), next to all peers on one instance
#   memory   RSS per idle connection at 1,000 and 10,000 open (a fresh server each run)
#   client   headless Chromium: raw WebSocket, DuplexSocket from JS, the Rust API, gloo-net
#   size     esbuild --bundle --minify, gzip -9: duplex-ws and its JS peers
# Servers run on core 0, the load generator and the browser on core 1 (taskset).
# Environment: BENCH_RUNS (default 5, at least 5 for the committed report), BENCH_DURATION_MS
# (measured window per run, default 2000), BENCH_NOTE (a sentence on the conditions, added to
# the report), BENCH_QUICK=1 (short runs while developing: the report goes to
# target/bench/BENCHMARKS.md, never over the committed one).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bench-lib.sh"

runs="${BENCH_RUNS:-5}"
duration="${BENCH_DURATION_MS:-2000}"
warmup=500
quick="${BENCH_QUICK:-0}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a whole number of at least 1, not '$runs'"
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || die "BENCH_DURATION_MS must be a whole number of milliseconds, not '$duration'"
out="$ROOT/target/bench"
results="$out/results.jsonl"
logs="$out/logs"
report="$ROOT/BENCHMARKS.md"
charts="$ROOT/bench/charts"
big=10000
if [[ "$quick" == 1 ]]; then
  warmup=100
  big=2000
  report="$out/BENCHMARKS.md"
  charts="$out/charts"
fi
mkdir -p "$out" "$logs"
: >"$results"
trap stop_all_servers EXIT

# --- set-up and builds -------------------------------------------------------------------
bash "$ROOT/scripts/setup.sh" --for-tests   # Chromium for the client suite, redis-server for the backplane
command -v taskset >/dev/null || die "taskset is missing (Debian package util-linux)"
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  [[ "$(id -u)" == 0 ]] || die "the client benchmarks need Chromium: sudo apt-get install -y chromium"
  say "installing chromium (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
(( $(nproc) >= 2 )) || die "the benchmarks pin the server and the load to different cores: this machine has $(nproc)"
# 10,000 connections: one descriptor each in the server and in the load generator (separate
# processes, each with this limit), and then some.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) > big + 100 )) || die "ulimit -n is $(ulimit -n): $big connections need more (run as root, or raise the hard limit)"

say "building the npm package (wasm-pack --release), duplex-server (profile server-speed), duplex-bench, bench/wasm"
(cd "$ROOT" && wasm-pack --quiet build --target web --release)
(cd "$ROOT" && cargo build --quiet --profile server-speed -p duplex-server)
(cd "$ROOT" && cargo build --quiet --release -p duplex-bench)
(cd "$ROOT/bench/wasm" && CARGO_TARGET_DIR="$out/wasm-target" \
  wasm-pack --quiet build --target web --release --out-dir "$out/wasm-pkg" .)
server_bin="$ROOT/target/server-speed/duplex-server"
load=(taskset -c 1 "$ROOT/target/release/duplex-load")
on_server_core=(taskset -c 0)
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date +%s)"

# --- server throughput and latency -------------------------------------------------------
say "server suite: $runs runs of ${duration} ms (after ${warmup} ms warm-up) per row and server"
start_server "$logs/duplex-server" "${on_server_core[@]}" "$server_bin" --port 0 --www "$ROOT/www" \
  --pkg "$ROOT/pkg" --max-connections 20000
declare -A pid=([duplex-server]="$SERVER_PID") addr=([duplex-server]="$SERVER_ADDR")
start_server "$logs/node-ws" "${on_server_core[@]}" node "$ROOT/bench/node/ws-server.mjs" --port 0
pid[node-ws]="$SERVER_PID"; addr[node-ws]="$SERVER_ADDR"
start_server "$logs/fws-echo" "${on_server_core[@]}" "$ROOT/target/release/fws-echo" --port 0
pid[fastwebsockets]="$SERVER_PID"; addr[fastwebsockets]="$SERVER_ADDR"

# row name | duplex-load arguments (the URL comes after them)
rows=(
  "pingpong-20b|echo --connections 1 --window 1 --size 20"
  "echo-100x20b|echo --connections 100 --window 16 --size 20"
  "echo-100x1k|echo --connections 100 --window 16 --size 1024 --binary"
  "echo-50x16k|echo --connections 50 --window 4 --size 16384 --binary"
  "fanout-1x100|fanout --receivers 100 --size 20 --window 32"
)
for entry in "${rows[@]}"; do
  row="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  subjects=(fastwebsockets duplex-server node-ws)
  [[ "${args[0]}" == fanout ]] && subjects=(duplex-server node-ws)   # fws-echo only echoes
  for run in $(seq "$runs"); do
    for subject in "${subjects[@]}"; do
      if [[ "${args[0]}" == fanout ]]; then
        target=(--url "ws://${addr[$subject]}/relay/bench-$run")
      else
        target=(--url "ws://${addr[$subject]}/echo" --server-pid "${pid[$subject]}")
      fi
      note "$row, run $run: $subject"
      "${load[@]}" "${args[@]}" "${target[@]}" --warmup-ms "$warmup" --duration-ms "$duration" \
        --suite server --row "$row" --subject "$subject" --run "$run" >>"$results" \
        || die "duplex-load failed on $row against $subject (run $run)"
    done
  done
done
for subject in "${!pid[@]}"; do stop_server "${pid[$subject]}"; done

# --- relay across two instances through Redis ---------------------------------------------
say "backplane suite: relay fan-out across two duplex-server instances joined by Redis"
command -v redis-server >/dev/null || die "redis-server is not installed: run scripts/setup.sh --for-tests"
for _ in $(seq 50); do   # redis-server cannot take port 0
  redis_port=$((20000 + RANDOM % 40000))
  ! (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
done
"${on_server_core[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$logs" --logfile "$logs/redis.log" &
redis_pid=$!
backplane=(--redis "redis://127.0.0.1:$redis_port")
start_server "$logs/backplane-a" "${on_server_core[@]}" "$server_bin" --port 0 --www "$ROOT/www" \
  --pkg "$ROOT/pkg" "${backplane[@]}"
pid_a="$SERVER_PID"; addr_a="$SERVER_ADDR"
start_server "$logs/backplane-b" "${on_server_core[@]}" "$server_bin" --port 0 --www "$ROOT/www" \
  --pkg "$ROOT/pkg" "${backplane[@]}"
pid_b="$SERVER_PID"; addr_b="$SERVER_ADDR"
for addr in "$addr_a" "$addr_b"; do
  for attempt in $(seq 100); do
    curl -sf "http://$addr/metrics" | grep -q '^duplex_backplane_up 1' && break
    (( attempt == 100 )) && die "the instance on $addr did not connect to Redis (see $logs)"
    sleep 0.1
  done
done
for run in $(seq "$runs"); do
  for subject in one-instance two-instances; do
    room="bench-$run-$subject"
    sender="ws://$addr_b/relay/$room"
    [[ "$subject" == two-instances ]] && sender="ws://$addr_a/relay/$room"
    note "fanout-redis-1x100, run $run: $subject"
    "${load[@]}" fanout --receivers 100 --size 20 --window 32 --url "ws://$addr_b/relay/$room" \
      --sender-url "$sender" --warmup-ms "$warmup" --duration-ms "$duration" \
      --suite backplane --row fanout-redis-1x100 --subject "$subject" --run "$run" >>"$results" \
      || die "duplex-load failed on the backplane fan-out ($subject, run $run)"
  done
done
stop_server "$pid_a"; stop_server "$pid_b"
kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null || true

# --- server memory and scale -------------------------------------------------------------
say "memory suite: RSS per idle connection, a fresh server per run"
for connections in 1000 "$big"; do
  for run in $(seq "$runs"); do
    for subject in duplex-server node-ws; do
      if [[ "$subject" == duplex-server ]]; then
        start_server "$logs/mem-$subject" "${on_server_core[@]}" "$server_bin" --port 0 \
          --www "$ROOT/www" --pkg "$ROOT/pkg" --max-connections 20000
      else
        start_server "$logs/mem-$subject" "${on_server_core[@]}" node "$ROOT/bench/node/ws-server.mjs" --port 0
      fi
      sleep 0.5   # the start-up's allocations settle before the first RSS reading
      note "idle-$connections, run $run: $subject"
      "${load[@]}" hold --url "ws://$SERVER_ADDR/echo" --connections "$connections" \
        --server-pid "$SERVER_PID" --suite memory --row "idle-$connections" \
        --subject "$subject" --run "$run" >>"$results" \
        || die "duplex-load hold failed with $connections connections against $subject (run $run)"
      stop_server "$SERVER_PID"
    done
  done
done

# --- browser client ----------------------------------------------------------------------
say "client suite: headless Chromium on core 1, duplex-server on core 0"
client_args=(--runs "$runs" --wasm "$out/wasm-pkg")
[[ "$quick" == 1 ]] && client_args+=(--quick)
DUPLEX_SERVER_BIN="$ROOT/scripts/bench-pinned-server.sh" BENCH_SERVER_BIN="$server_bin" \
  taskset -c 1 node "$ROOT/bench/browser/run.mjs" "${client_args[@]}" >>"$results" \
  || die "the browser benchmarks failed (see above)"

# --- size --------------------------------------------------------------------------------
say "size suite: esbuild --bundle --minify, gzip -9"
node "$ROOT/bench/size/measure.mjs" --pkg "$ROOT/pkg" >>"$results"

# --- report ------------------------------------------------------------------------------
minutes=$(( ($(date +%s) - started + 59) / 60 ))
conditions="loopback; servers pinned to core 0, load generator and Chromium to core 1 (taskset); \
duplex-server built with the server-speed profile (the release profile at opt-level 3 for every \
crate); $runs runs per figure, each ${duration} ms measured after ${warmup} ms of warm-up \
(browser rows: a fixed message count); measuring took about $minutes min; load average \
(1, 5, 15 min) $load_start at the start and $(cut -d' ' -f1-3 /proc/loadavg) at the end.${BENCH_NOTE:+ $BENCH_NOTE}"
"$ROOT/target/release/bench-report" --results "$results" --out "$report" --charts "$charts" \
  --charts-link "$( [[ "$quick" == 1 ]] && echo charts || echo bench/charts )" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --conditions "$conditions"
say "done: ${report#"$ROOT"/} and ${charts#"$ROOT"/}/ (records in ${results#"$ROOT"/})"
