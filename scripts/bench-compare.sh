#!/usr/bin/env bash
# The browser client rows of several commits side by side, on this machine, in one run (what
# "no slower than the previous commit" asks): each commit's npm package and bench wasm are
# built from `git archive` of it, each gets its page in one headless Chromium (core 1), one
# duplex-server of the working tree (core 0) echoes for all, and the subjects take turns.
#   scripts/bench-compare.sh [REV ...]     default: HEAD~1 HEAD (commits, not the working tree)
# Environment: COMPARE_RUNS (default 9), COMPARE_SCALE (the rows' message counts, default 0.2
# of the bench's), COMPARE_ROWS and COMPARE_CLIENTS (run.mjs's --rows and --clients),
# COMPARE_COST=1 (run.mjs's --cost: each run profiled, and what the client cost the page's
# main thread per message reported beside its rate; bench/browser/cost.mjs).
# Builds are kept in target/compare/<commit> (delete one to build it again); the records go to
# target/compare/results.jsonl, and bench/browser/compare-report.mjs prints the ratios.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

revs=("$@")
(( ${#revs[@]} > 0 )) || revs=(HEAD~1 HEAD)
(( ${#revs[@]} >= 2 )) || die "bench-compare needs two commits or more, not '${revs[*]}'"
runs="${COMPARE_RUNS:-9}"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "COMPARE_RUNS must be a whole number of at least 1, not '$runs'"
scale="${COMPARE_SCALE:-0.2}"
out="$ROOT/target/compare"

bash "$ROOT/scripts/setup.sh" --for-tests   # wasm-pack, wasm-opt, Chromium, the npm packages
(( $(nproc) >= 2 )) || die "the comparison pins the server and the browser to different cores: this machine has $(nproc)"

builds=()
for rev in "${revs[@]}"; do
  commit="$(git -C "$ROOT" rev-parse --verify --quiet --short "$rev^{commit}")" \
    || die "'$rev' is not a commit of this repository"
  dir="$out/$commit"
  if [[ ! -f "$dir/built" ]]; then
    say "building $rev ($commit): its npm package and its bench wasm"
    rm -rf "$dir" && mkdir -p "$dir/src"
    git -C "$ROOT" archive "$commit" | tar -x -C "$dir/src"
    ln -s "$ROOT/node_modules" "$dir/src/node_modules"
    if grep -q -- '--package' "$dir/src/scripts/build.sh"; then
      (cd "$dir/src" && bash scripts/build.sh --package >/dev/null)
    else   # 0.1: the package was wasm-bindgen's, built by wasm-pack alone
      (cd "$dir/src" && wasm-pack --quiet build --target web --release)
    fi
    mv "$dir/src/pkg" "$dir/pkg"
    (cd "$dir/src/bench/wasm" && CARGO_TARGET_DIR="$out/wasm-target" \
      wasm-pack --quiet build --target web --release --out-dir "$dir/wasm-pkg" .)
    rm -rf "$dir/src"
    touch "$dir/built"
  fi
  builds+=("$commit=$dir")
done

say "building duplex-server (profile server-speed) from the working tree"
(cd "$ROOT" && cargo build --quiet --profile server-speed -p duplex-server)
args=(--runs "$runs" --scale "$scale" --compare "$(IFS=,; echo "${builds[*]}")")
[[ -n "${COMPARE_ROWS:-}" ]] && args+=(--rows "$COMPARE_ROWS")
[[ -n "${COMPARE_CLIENTS:-}" ]] && args+=(--clients "$COMPARE_CLIENTS")
# Chromium on core 1, but for --cost: a profile samples wall time, and on one core the main
# thread is preempted by Chromium's other processes mid-function, which would count as its own.
browser_cpus=1
[[ "${COMPARE_COST:-0}" == 1 ]] && args+=(--cost) && browser_cpus=0,1
say "running ${revs[*]} side by side ($runs runs, scale $scale)"
DUPLEX_SERVER_BIN="$ROOT/scripts/bench-pinned-server.sh" \
  BENCH_SERVER_BIN="$ROOT/target/server-speed/duplex-server" \
  taskset -c "$browser_cpus" node "$ROOT/bench/browser/run.mjs" "${args[@]}" | tee "$out/results.jsonl"
node "$ROOT/bench/browser/compare-report.mjs" "$out/results.jsonl"
