#!/usr/bin/env bash
# `npm test`: set up, build each artifact once, then every test suite:
#   native    cargo test --workspace (the engine, with proptest; duplex-server over loopback)
#   browsers  wasm-pack test in headless Chromium and Firefox against a real duplex-server
#   node      node --test tests/node (a standard `ws` client; the demo page and the npm
#             package in Chromium)
#   conformance  every Autobahn|Testsuite case (1-13) against /echo (scripts/conformance.sh)
#   bench-smoke  a short run of the load generator against the server (no figures asserted)
# It ends with one line that counts the tests that passed and failed in all suites; before it,
# a line for the conformance cases and one for the bench smoke run, which are not tests.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

# How long each step took, printed before the summary: the run should stay near 10 minutes
# on 2 cores, and this says which step to look at when it does not.
timings=()
timed() { timings+=("$1 $(( SECONDS - $2 )) s"); }
step_start=$SECONDS
bash "$ROOT/scripts/setup.sh" --for-tests || die "set-up failed (see above)"
timed set-up "$step_start"

logs="$ROOT/target/test-logs"
mkdir -p "$logs"
passed=0
failed=0
summary=()
server_pid=""
pair_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null
  [[ -n "$pair_pid" ]] && kill "$pair_pid" 2>/dev/null
}
trap cleanup EXIT

# Adds the counts found in a log: cargo's and wasm-bindgen-test's "test result:" lines, or
# node's "# pass N" / "# fail N". A suite whose command failed without a failing test counted
# (a build error, a crash) counts as one failure, so it can never pass unnoticed.
record() {
  local name=$1 status=$2 log=$3 p f
  if [[ "$name" == node* ]]; then
    p=$(awk '/^# pass /{s+=$3} END{print s+0}' "$log")
    f=$(awk '/^# fail /{s+=$3} END{print s+0}' "$log")
  else
    p=$(grep '^test result:' "$log" | grep -o '[0-9]* passed' | awk '{s+=$1} END{print s+0}')
    f=$(grep '^test result:' "$log" | grep -o '[0-9]* failed' | awk '{s+=$1} END{print s+0}')
  fi
  if (( status != 0 && f == 0 )); then
    f=1
    summary+=("$(printf '%-10s %4d passed %4d failed   (the command failed: see %s)' "$name" "$p" "$f" "${log#"$ROOT"/}")")
  else
    summary+=("$(printf '%-10s %4d passed %4d failed' "$name" "$p" "$f")")
  fi
  passed=$((passed + p))
  failed=$((failed + f))
}

# Conformance cases and benchmark smoke runs are not tests: each gets a line of its own
# (`extra`), and the closing line counts tests only. A conformance run with a FAILED case, a
# smoke run that failed, or either command failing counts as one failed suite in it, so the
# closing line never says 0 failed for a run that exits non-zero.
extra=()
record_extra() {
  local name=$1 status=$2 log=$3 line
  if [[ "$name" == conformance ]]; then
    # "autobahn: 301 cases against /echo: 288 OK, 10 NON-STRICT, 3 INFORMATIONAL, 0 FAILED"
    line=$(grep '^autobahn:' "$log" | tail -1)
  else
    # "bench-smoke: 1 passed, 0 failed"
    line=$(grep -E '^bench-smoke: ' "$log" | tail -1)
  fi
  local bad=$(( status != 0 ))
  if [[ -z "$line" ]] || grep -qE '[1-9][0-9]* (FAILED|failed)' <<<"$line"; then bad=1; fi
  line=${line#"$name: "} # bench-smoke's own line starts with its name
  extra+=("$name: ${line:-no result line (see ${log#"$ROOT"/})}")
  if (( bad )); then
    summary+=("$(printf '%-10s the suite failed (see %s)' "$name" "${log#"$ROOT"/}")")
    failed=$((failed + 1))
  fi
}

# Runs a suite with its output shown and kept in target/test-logs/NAME.log.
run_suite() {
  local name=$1; shift
  local start=$SECONDS
  say "$name: $*"
  timeout 1200 "$@" 2>&1 | tee "$logs/$name.log"
  record "$name" "${PIPESTATUS[0]}" "$logs/$name.log"
  timed "$name" "$start"
}

step_start=$SECONDS
if ! bash "$ROOT/scripts/build.sh" --debug; then
  echo "summary: 0 passed, 1 failed"
  die "the build failed (see above)"
fi
timed build "$step_start"

run_suite native cargo test --workspace --manifest-path "$ROOT/Cargo.toml"

# One server for the browser suites, on a free port; the tests get its address at compile time.
say "starting duplex-server on a free port for the browser tests"
exec 3< <("$ROOT/target/debug/duplex-server" --port 0 --test-hooks --www "$ROOT/www" --pkg "$ROOT/pkg" 2>"$logs/server.log" & echo "pid $!"; wait)
read -r _ server_pid <&3
read -r banner <&3
address="${banner#duplex-server listening on http://}"
# Two more instances sharing relay rooms and sessions through one Redis: a session peer
# resumes on the other instance (tests/web/sessions.rs).
say "starting two duplex-server instances on one redis-server for the browser tests"
exec 4< <(bash "$ROOT/scripts/redis-pair.sh" 2>"$logs/redis-pair.log" & echo "pid $!"; wait)
read -r _ pair_pid <&4
pair=()
while read -r line <&4; do
  case "$line" in
    "instance: http://"*) pair+=("ws://${line#instance: http://}") ;;
    ready) break ;;
  esac
done
if (( ${#pair[@]} == 2 )); then
  export DUPLEX_PAIR_A="${pair[0]}" DUPLEX_PAIR_B="${pair[1]}"
  note "instances on Redis: ${pair[*]}"
else
  # The Redis test then fails at run time, naming what is missing: never a silent skip.
  note "the Redis pair did not start (see ${logs#"$ROOT"/}/redis-pair.log)"
fi
if [[ "$banner" != "duplex-server listening on http://"* ]]; then
  record browsers 1 /dev/null
else
  note "listening on $address"
  export DUPLEX_SERVER_URL="ws://$address"
  # The runner gives a whole browser's run 20 s by default; the session tests alone take
  # about 10 s of it.
  export WASM_BINDGEN_TEST_TIMEOUT=180
  # And chromedriver or geckodriver 5 s to listen on its port, after which the whole browser
  # run fails ("driver failed to bind port during startup"): a 2-core machine busy for a
  # moment took longer once. Waiting longer costs nothing when the driver is quick.
  export WASM_BINDGEN_TEST_DRIVER_TIMEOUT=60
  run_suite browsers bash -c 'cd "$ROOT" && wasm-pack test --headless --chrome --firefox -- --test web'
  # Both browsers must have run: a skipped one must not pass for a green one.
  for browser in Chrome Firefox; do
    if ! grep -q "Running headless tests in $browser" "$logs/browsers.log"; then
      summary+=("browsers   the $browser run is missing from the log")
      failed=$((failed + 1))
    fi
  done
fi
kill "$server_pid" 2>/dev/null; server_pid=""
kill "$pair_pid" 2>/dev/null; pair_pid=""

export DUPLEX_SERVER_BIN="$ROOT/target/debug/duplex-server"
run_suite node node --test "$ROOT/tests/node/"
for suite in conformance bench-smoke; do
  step_start=$SECONDS
  say "$suite"
  timeout 1200 bash "$ROOT/scripts/$suite.sh" 2>&1 | tee "$logs/$suite.log"
  record_extra "$suite" "${PIPESTATUS[0]}" "$logs/$suite.log"
  timed "$suite" "$step_start"
done

echo
say "results"
printf '    %s\n' "${summary[@]}"
note "time: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); in all $SECONDS s"
printf '%s\n' "${extra[@]}"
echo "summary: $passed passed, $failed failed"
(( failed == 0 ))
