#!/usr/bin/env bash
# Runs duplex-server pinned to core 0 (the browser bench's server; the browser runs on core 1).
# tests/node/server.mjs starts DUPLEX_SERVER_BIN; scripts/bench.sh points it here and names
# the real binary in BENCH_SERVER_BIN. exec keeps the pid, so stopping the wrapper stops it.
set -euo pipefail
exec taskset -c "${BENCH_SERVER_CORE:-0}" "${BENCH_SERVER_BIN:?BENCH_SERVER_BIN names the duplex-server binary}" "$@"
