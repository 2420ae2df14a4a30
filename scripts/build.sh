#!/usr/bin/env bash
# Builds the npm package into pkg/ (wasm-pack, --target web, release) and duplex-server.
#   scripts/build.sh            release server (what `npm start` runs)
#   scripts/build.sh --debug    debug server (what the tests run; faster to build)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

profile=release
[[ "${1:-}" == "--debug" ]] && profile=debug

say "building the npm package into pkg/ (wasm-pack build --target web --release)"
(cd "$ROOT" && wasm-pack --quiet build --target web --release)
note "pkg/duplex_ws_bg.wasm: $(wc -c < "$ROOT/pkg/duplex_ws_bg.wasm") bytes"

say "building duplex-server ($profile)"
if [[ "$profile" == release ]]; then
  (cd "$ROOT" && cargo build --quiet --release -p duplex-server)
else
  (cd "$ROOT" && cargo build --quiet -p duplex-server)
fi
