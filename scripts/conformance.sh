#!/usr/bin/env bash
# Runs the Autobahn|Testsuite cases of sections 1 to 13 against duplex-server's /echo, the
# permessage-deflate sections 12 and 13 included (compression is on by default; the
# threshold goes to 0 here so that every message of those cases is compressed), with kosoku
# (PyPI: a Rust runner of the Autobahn cases that writes Autobahn's index.json).
#
# Every case runs, all 216 of 12 and 13 (each offer: window sizes, context takeover; messages
# of up to 128 KiB). Cases run side by side, two per core (kosoku -p): the 1000-message cases
# of 32 to 128 KiB are CPU-bound in kosoku and in the server's zlib alike, and many cases
# also wait (closing handshakes, timeouts). On 2 cores, all 517 cases (debug server; its
# zlib-rs is built optimised, see Cargo.toml): 164-171 s 4 at a time, 215 s 2 at a time,
# 474 s one at a time; 8 at a time took 147 s, but with 16 one case ran into kosoku's 30 s
# limit, and at 4 the slowest takes 15 s. AUTOBAHN_QUICK=1 leaves out the messages over
# 16 KiB (cases x.y.8-10 and 13-18 of 12 and 13: 409 cases) while developing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

KOSOKU_VERSION=0.1.0
venv="$ROOT/target/kosoku-venv"
report="$ROOT/target/autobahn"
server_bin="${DUPLEX_SERVER_BIN:-$ROOT/target/debug/duplex-server}"

[[ -x "$server_bin" ]] || die "no server binary at $server_bin: build it first (cargo build -p duplex-server), or set DUPLEX_SERVER_BIN"

installed="$("$venv/bin/pip" show kosoku 2>/dev/null || true)"
if [[ -x "$venv/bin/kosoku" && "$installed" == *"Version: $KOSOKU_VERSION"* ]]; then
  note "kosoku $KOSOKU_VERSION: present in ${venv#"$ROOT"/}"
else
  command -v python3 >/dev/null || die "python3 is not installed: kosoku needs Python 3.10 or newer (apt-get install -y python3 python3-venv)"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "kosoku needs Python 3.10 or newer; python3 is $(python3 --version 2>&1)"
  say "installing kosoku $KOSOKU_VERSION from PyPI into ${venv#"$ROOT"/} (python3 -m venv, pip)"
  python3 -m venv "$venv" || die "python3 -m venv failed: on Debian, apt-get install -y python3-venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "kosoku==$KOSOKU_VERSION"
fi

# The size limits go up for this run: the 9.* cases send messages of up to 16 MiB.
www="$ROOT/target/autobahn-www"
mkdir -p "$www"
rm -rf "$report"
mkdir -p "$report"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
say "starting $server_bin on a free port (64 MiB message and frame limits, every message compressed)"
exec 3< <("$server_bin" --port 0 --www "$www" --pkg "$www" \
  --max-message-size 67108864 --max-frame-size 67108864 --deflate-threshold 0 \
  2>"$report/server.log" & echo "pid $!"; wait)
read -r _ server_pid <&3
read -r banner <&3 || true
[[ "$banner" == "duplex-server listening on http://"* ]] \
  || die "the server did not start (first line: '$banner'); see ${report#"$ROOT"/}/server.log"
address="${banner#duplex-server listening on http://}"

large=()
if [[ "${AUTOBAHN_QUICK:-0}" == 1 ]]; then
  for y in 8 9 10 13 14 15 16 17 18; do large+=(-x "12.*.$y" -x "13.*.$y"); done
fi
parallel=$(( $(nproc) * 2 ))
say "running the Autobahn cases 1.* to 13.* against ws://$address/echo (kosoku, $parallel at a time$([[ ${#large[@]} -gt 0 ]] && echo '; AUTOBAHN_QUICK=1: 12 and 13 up to 16 KiB'))"
set +e
"$venv/bin/kosoku" "ws://$address/echo" "${large[@]}" -p "$parallel" -o "$report" >"$report/kosoku.log" 2>&1
kosoku_status=$?
set -e
if [[ ! -f "$report/index.json" ]]; then
  cat "$report/kosoku.log" >&2
  die "kosoku wrote no report (exit status $kosoku_status); see ${report#"$ROOT"/}/kosoku.log"
fi

# One line: the count of each verdict; the exit status says whether any case is not
# OK, NON-STRICT or INFORMATIONAL.
"$venv/bin/python" - "$report/index.json" "${report#"$ROOT"/}/index.json" <<'PY'
import collections, json, sys

index = json.load(open(sys.argv[1]))
cases = {case: result for agent in index.values() for case, result in agent.items()}
verdicts = collections.Counter(result["behavior"] for result in cases.values())
good = {"OK", "NON-STRICT", "INFORMATIONAL"}
bad = sorted((case for case, result in cases.items() if result["behavior"] not in good),
             key=lambda case: [int(part) for part in case.split(".")])
order = ["OK", "NON-STRICT", "INFORMATIONAL", "FAILED"]
counts = ", ".join(f"{verdicts.get(v, 0)} {v}" for v in order)
others = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()) if v not in order)
line = f"autobahn: {len(cases)} cases against /echo: {counts}"
if others:
    line += f", {others}"
if bad:
    line += f"; not passed: {' '.join(bad[:20])}{' ...' if len(bad) > 20 else ''}"
print(f"{line} (report: {sys.argv[2]})")
sys.exit(1 if bad or not cases else 0)
PY
