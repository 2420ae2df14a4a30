# Helpers of scripts/bench.sh and scripts/bench-smoke.sh: background servers that print
# "NAME listening on http://HOST:PORT" as their first line, started, waited for, stopped.
# shellcheck shell=bash

BENCH_PIDS=()

# start_server LOGBASE CMD...: runs CMD in the background (stdout to LOGBASE.out, stderr to
# LOGBASE.err), waits up to 10 s for its address line, and sets SERVER_PID and SERVER_ADDR.
start_server() {
  local log=$1 line=""
  shift
  "$@" >"$log.out" 2>"$log.err" &
  SERVER_PID=$!
  BENCH_PIDS+=("$SERVER_PID")
  for _ in $(seq 100); do
    line="$(head -n 1 "$log.out" 2>/dev/null || true)"
    if [[ "$line" == *" listening on http://"* ]]; then
      SERVER_ADDR="${line##*http://}"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || die "'$*' exited before it listened; see $log.err"
    sleep 0.1
  done
  die "'$*' printed no address within 10 s (first line: '$line'); see $log.err"
}

# stop_server PID: SIGTERM, then wait for it.
stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Stops every server this script started (for the EXIT trap).
stop_all_servers() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
