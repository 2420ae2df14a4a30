#!/usr/bin/env bash
# The benchmark's smoke run for `npm test`: the load generator, briefly, against an
# already-built duplex-server (DUPLEX_SERVER_BIN, default target/debug/duplex-server): echo
# ping-pong, pipelined echo on 10 connections over 2 threads, JSON echo offering
# permessage-deflate (whether the server agrees is the record's `deflate`, not asserted), a
# relay fan-out with the server's CPU per delivery, idle connections held. It checks that each
# run works and prints a record; no figure is asserted. Ends with one line:
#   bench-smoke: 1 passed, 0 failed      (or 0 passed, 1 failed, and a non-zero exit)
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bench-lib.sh"

server_bin="${DUPLEX_SERVER_BIN:-$ROOT/target/debug/duplex-server}"
load_bin="$ROOT/target/debug/duplex-load"
logs="$ROOT/target/bench-smoke"
mkdir -p "$logs"
trap stop_all_servers EXIT

fail() {
  printf 'bench-smoke: %s\n' "$*" >&2
  echo "bench-smoke: 0 passed, 1 failed"
  exit 1
}

[[ -x "$server_bin" ]] || fail "no server binary at $server_bin: build it first (cargo build -p duplex-server), or set DUPLEX_SERVER_BIN"
say "bench-smoke: building the load generator (cargo build -p duplex-bench --bin duplex-load)"
(cd "$ROOT" && cargo build --quiet -p duplex-bench --bin duplex-load) || fail "the load generator did not build"

# A server that does not start is a failed smoke run, said in the summary line too.
die() { fail "$*"; }
start_server "$logs/server" "$server_bin" --port 0 --www "$ROOT/www" --pkg "$ROOT/pkg"
ws="ws://$SERVER_ADDR"

runs=(
  "echo --url $ws/echo --warmup-ms 50 --duration-ms 200 --server-pid $SERVER_PID"
  "echo --url $ws/echo --connections 10 --window 8 --size 1024 --binary --threads 2 --warmup-ms 50 --duration-ms 200"
  "echo --url $ws/echo --connections 4 --window 4 --size 1024 --json --deflate --warmup-ms 50 --duration-ms 200"
  "fanout --url $ws/relay/smoke --receivers 10 --server-pid $SERVER_PID --warmup-ms 250 --duration-ms 200"
  "hold --url $ws/echo --connections 50 --server-pid $SERVER_PID --settle-ms 100 --suite memory"
)
for run in "${runs[@]}"; do
  # shellcheck disable=SC2086 # the run's words are its arguments
  record="$(timeout 60 "$load_bin" $run 2>"$logs/load.err")" || fail "duplex-load $run failed: $(cat "$logs/load.err")"
  [[ "$record" == '{"suite":'* ]] || fail "duplex-load $run printed no record: '$record'"
  note "$record"
done
echo "bench-smoke: 1 passed, 0 failed"
