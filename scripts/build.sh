#!/usr/bin/env bash
# Builds the npm package into pkg/ (the engine's wasm from core-wasm/, release and wasm-opt;
# the JS from js/; the wasm inlined in duplex_ws_wasm.js) and duplex-server.
#   scripts/build.sh            optimised server (what `npm start` runs: the server-speed profile,
#                               every crate at opt-level 3, not the wasm's size-first release)
#   scripts/build.sh --debug    debug server (what the tests run; faster to build)
#   scripts/build.sh --package  the npm package only
set -euo pipefail
source "$(dirname "$0")/lib.sh"

profile=server-speed
[[ "${1:-}" == "--debug" ]] && profile=debug

say "building the npm package into pkg/ (the engine's wasm from core-wasm/, and js/)"
# The engine alone (no std, no wasm-bindgen), size-first; the JS in js/ drives it.
(cd "$ROOT" && cargo build --quiet --release --target wasm32-unknown-unknown -p duplex-core-wasm)
rm -rf "$ROOT/pkg" && mkdir -p "$ROOT/pkg"
wasm-opt "${WASM_OPT_FLAGS[@]}" "$ROOT/target/wasm32-unknown-unknown/release/duplex_core_wasm.wasm" \
  -o "$ROOT/pkg/duplex_ws_bg.wasm"
note "pkg/duplex_ws_bg.wasm: $(wc -c < "$ROOT/pkg/duplex_ws_bg.wasm") bytes"
# The package's JS, and the wasm in a JS module that init() reads in every runtime and bundler
# (see js/init.js).
cp "$ROOT"/js/* "$ROOT/pkg/"
note "$(node "$ROOT/scripts/inline-wasm.mjs" "$ROOT/pkg")"
# The package in one module for the browser tests (tests/web/js_class.rs imports it).
esbuild "$ROOT/tests/web/npm_entry.js" --bundle --format=esm --log-level=warning \
  --outfile="$ROOT/target/npm-bundle/duplex-ws.js"

[[ "${1:-}" == "--package" ]] && exit 0

say "building duplex-server ($profile)"
if [[ "$profile" == server-speed ]]; then
  (cd "$ROOT" && cargo build --quiet --profile server-speed -p duplex-server)
else
  (cd "$ROOT" && cargo build --quiet -p duplex-server)
fi
