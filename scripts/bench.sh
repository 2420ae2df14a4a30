#!/usr/bin/env bash
# `npm run bench`: builds what the benchmarks need, runs every suite with the subjects
# alternated run by run (A B A B ...), and writes a report with charts: BENCHMARKS.md and
# bench/charts/*.svg with BENCH_FULL=1 (the committed report), else target/bench/.
#   server   duplex-load against duplex-server, Node ws (bench/node) and fws-echo
#            (fastwebsockets): ping-pong, pipelined echo, compressed JSON echo
#            (permessage-deflate), relay fan-out; the servers' CPU per message or delivery
#            and the load generator's CPU share
#   backplane  relay fan-out with the sender on one instance and the receivers on another,
#            the rooms joined through Redis (--redis), next to all peers on one instance
#   memory   RSS per idle connection at 1,000 and 10,000 open (a fresh server each run)
#   client   headless Chromium: raw WebSocket, DuplexSocket from JS, the Rust API, gloo-net
#   size     esbuild --bundle --minify, gzip -9: duplex-ws and its JS peers
# Servers run on core 0, the load generator (one thread per core it has) and the browser on
# the others (taskset).
# Environment: BENCH_FULL=1 (the committed report: 5 runs of everything, the browser rows at
# their full message counts; about 30 min on 2 cores), BENCH_RUNS (default 3; 5 with
# BENCH_FULL), BENCH_CLIENT_SCALE (the browser rows' message counts, default 0.2; 1 with
# BENCH_FULL), BENCH_DURATION_MS (measured window per run, default 2000), BENCH_NOTE (a
# sentence on the conditions, added to the report), BENCH_QUICK=1 (short runs while
# developing). Without BENCH_FULL the report goes to target/bench/BENCHMARKS.md, never over the
# committed one. The default run's measuring takes about 8 min on a quiet 2-core machine
# (server and backplane suites 2.5, memory 1.5, browser 3, size 0.5; estimated from the rows'
# durations and the committed report's browser rates); on a busy one it takes longer (24 min
# with a load average of 11, the browser rows running 7x slower).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bench-lib.sh"

full="${BENCH_FULL:-0}"
quick="${BENCH_QUICK:-0}"
[[ "$full" == 1 && "$quick" == 1 ]] && die "BENCH_FULL=1 and BENCH_QUICK=1 contradict each other"
runs="${BENCH_RUNS:-$( [[ "$full" == 1 ]] && echo 5 || echo 3 )}"
client_scale="${BENCH_CLIENT_SCALE:-$( [[ "$full" == 1 ]] && echo 1 || echo 0.2 )}"
duration="${BENCH_DURATION_MS:-2000}"
warmup=500
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a whole number of at least 1, not '$runs'"
[[ "$duration" =~ ^[1-9][0-9]*$ ]] || die "BENCH_DURATION_MS must be a whole number of milliseconds, not '$duration'"
[[ "$client_scale" =~ ^(0?\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\.[0-9]+)?)$ ]] \
  || die "BENCH_CLIENT_SCALE must be a positive number, not '$client_scale'"
out="$ROOT/target/bench"
results="$out/results.jsonl"
logs="$out/logs"
report="$out/BENCHMARKS.md"
charts="$out/charts"
big=10000
if [[ "$full" == 1 ]]; then
  report="$ROOT/BENCHMARKS.md"
  charts="$ROOT/bench/charts"
elif [[ "$quick" == 1 ]]; then
  client_scale="${BENCH_CLIENT_SCALE:-0.02}"
  warmup=250   # at least the fan-out sender's 200 ms wait for the last receivers
  big=2000
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
load_cpus="1-$(( $(nproc) - 1 ))"   # every core but the servers'
# 10,000 connections: one descriptor each in the server and in the load generator (separate
# processes, each with this limit), and then some.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) > big + 100 )) || die "ulimit -n is $(ulimit -n): $big connections need more (run as root, or raise the hard limit)"

# The npm package as `npm run build` makes it (pkg/index.js and the inlined wasm included: the
# browser page imports /pkg/index.js, the size suite measures it) and duplex-server.
bash "$ROOT/scripts/build.sh"
say "building duplex-bench (profile server-speed) and bench/wasm"
# One profile for the servers, the reference server and the load generator: every crate at
# opt-level 3 (under `release` the dependencies get the wasm's opt-level "z").
# duplex-bench alone: built together with duplex-server, the shared crates' features would
# unify into other artifacts, and the server scripts/build.sh built would be built again.
(cd "$ROOT" && cargo build --quiet --profile server-speed -p duplex-bench)
(cd "$ROOT/bench/wasm" && CARGO_TARGET_DIR="$out/wasm-target" \
  wasm-pack --quiet build --target web --release --out-dir "$out/wasm-pkg" .)
bin="$ROOT/target/server-speed"
server_bin="$bin/duplex-server"
load=(taskset -c "$load_cpus" "$bin/duplex-load")
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
start_server "$logs/node-ws-deflate" "${on_server_core[@]}" node "$ROOT/bench/node/ws-server.mjs" \
  --port 0 --deflate
pid[node-ws-deflate]="$SERVER_PID"; addr[node-ws-deflate]="$SERVER_ADDR"
start_server "$logs/fws-echo" "${on_server_core[@]}" "$bin/fws-echo" --port 0
pid[fastwebsockets]="$SERVER_PID"; addr[fastwebsockets]="$SERVER_ADDR"

# row name | duplex-load arguments (the URL comes after them). The compressed row offers
# permessage-deflate: Node ws runs with it on (a process of its own), duplex-server as built
# (the record's `deflate` says whether it agreed; the report judges the row only if both did).
rows=(
  "pingpong-20b|echo --connections 1 --window 1 --size 20"
  "echo-100x20b|echo --connections 100 --window 16 --size 20"
  "echo-100x1k|echo --connections 100 --window 16 --size 1024 --binary"
  "echo-50x16k|echo --connections 50 --window 4 --size 16384 --binary"
  "echo-100x1k-json-deflate|echo --connections 100 --window 16 --size 1024 --json --deflate"
  "fanout-1x100|fanout --receivers 100 --size 20 --window 32"
)
for entry in "${rows[@]}"; do
  row="${entry%%|*}"
  read -r -a args <<<"${entry#*|}"
  subjects=(fastwebsockets duplex-server node-ws)
  # fws-echo only echoes, and has no permessage-deflate
  [[ "${args[0]}" == fanout || "$row" == *deflate ]] && subjects=(duplex-server node-ws)
  for run in $(seq "$runs"); do
    for subject in "${subjects[@]}"; do
      server="$subject"
      [[ "$row" == *deflate && "$subject" == node-ws ]] && server=node-ws-deflate
      if [[ "${args[0]}" == fanout ]]; then
        target=(--url "ws://${addr[$server]}/relay/bench-$run" --server-pid "${pid[$server]}")
      else
        target=(--url "ws://${addr[$server]}/echo" --server-pid "${pid[$server]}")
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
      --sender-url "$sender" --server-pid "$pid_a" --server-pid "$pid_b" \
      --warmup-ms "$warmup" --duration-ms "$duration" \
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
say "client suite: headless Chromium on cores $load_cpus, duplex-server on core 0 (message counts x $client_scale)"
client_args=(--runs "$runs" --wasm "$out/wasm-pkg" --scale "$client_scale")
DUPLEX_SERVER_BIN="$ROOT/scripts/bench-pinned-server.sh" BENCH_SERVER_BIN="$server_bin" \
  taskset -c "$load_cpus" node "$ROOT/bench/browser/run.mjs" "${client_args[@]}" >>"$results" \
  || die "the browser benchmarks failed (see above)"

# --- size --------------------------------------------------------------------------------
say "size suite: esbuild --bundle --minify, gzip -9"
node "$ROOT/bench/size/measure.mjs" --pkg "$ROOT/pkg" >>"$results"

# --- report ------------------------------------------------------------------------------
minutes=$(( ($(date +%s) - started + 59) / 60 ))
mode="default run (BENCH_FULL=1 for the committed report)"
[[ "$full" == 1 ]] && mode="full run (BENCH_FULL=1)"
[[ "$quick" == 1 ]] && mode="quick run (BENCH_QUICK=1)"
conditions="$mode; loopback; servers pinned to core 0, load generator and Chromium to cores \
$load_cpus (taskset), the load generator with a thread per core; duplex-server, fws-echo and \
duplex-load built with the server-speed profile (the release profile at opt-level 3 for every \
crate); $runs runs per figure, each ${duration} ms measured after ${warmup} ms of warm-up \
(browser rows: a fixed message count, x $client_scale of the full run's); measuring took about \
$minutes min; load average (1, 5, 15 min) $load_start at the start and \
$(cut -d' ' -f1-3 /proc/loadavg) at the end.${BENCH_NOTE:+ $BENCH_NOTE}"
"$bin/bench-report" --results "$results" --out "$report" --charts "$charts" \
  --charts-link "$( [[ "$full" == 1 ]] && echo bench/charts || echo charts )" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" --conditions "$conditions" \
  --misses "$ROOT/bench/misses.md"
say "done: ${report#"$ROOT"/} and ${charts#"$ROOT"/}/ (records in ${results#"$ROOT"/})"
