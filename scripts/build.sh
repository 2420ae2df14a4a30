#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack, --target web, release) and duplex-server.
#   scripts/build.sh            optimised server (what `npm start` runs: the server-speed profile,
#                               every crate at opt-level 3, not the wasm's size-first release)
#   scripts/build.sh --debug    debug server (what the tests run; faster to build)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

profile=server-speed
[[ "${1:-}" == "--debug" ]] && profile=debug

say "building the npm package into pkg/ (wasm-pack build --target web --release)"
(cd "$ROOT" && wasm-pack --quiet build --target web --release)
note "pkg/duplex_ws_bg.wasm: $(wc -c < "$ROOT/pkg/duplex_ws_bg.wasm") bytes"

say "building duplex-server ($profile)"
if [[ "$profile" == server-speed ]]; then
  (cd "$ROOT" && cargo build --quiet --profile server-speed -p duplex-server)
else
  (cd "$ROOT" && cargo build --quiet -p duplex-server)
fi
