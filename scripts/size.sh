#!/usr/bin/env bash
# `npm run size`: where the npm package's bytes go, so that the change that adds some shows.
#   1. the package's download, min+gzip (bench/size/measure.mjs), JS and wasm;
#   2. each JS module alone, minified and gzipped (a bundle shares gzip's window, so the parts
#      add up to a little more than the whole);
#   3. the wasm's largest items (twiggy, pinned, installed on first use), from the engine's
#      wasm as cargo builds it, names kept (wasm-opt then shrinks it by about a third).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

TWIGGY_VERSION=0.7.0
if [[ "$(twiggy --version 2>/dev/null)" != "twiggy-opt $TWIGGY_VERSION" ]]; then
  say "installing twiggy $TWIGGY_VERSION (cargo install, once)"
  cargo install --quiet --locked twiggy --version "$TWIGGY_VERSION"
fi
bash "$ROOT/scripts/setup.sh" >/dev/null
bash "$ROOT/scripts/build.sh" --package >/dev/null

say "download (esbuild --bundle --minify, gzip -9)"
node "$ROOT/bench/size/measure.mjs" --only duplex-ws

say "each JS module alone (esbuild --minify, gzip -9)"
for file in "$ROOT"/js/*.js; do
  bytes=$(esbuild "$file" --minify --log-level=error | gzip -9 | wc -c)
  printf '    %6d  %s\n' "$bytes" "js/$(basename "$file")"
done | sort -rn

say "the wasm's largest items (twiggy top, before wasm-opt)"
twiggy top -n "${SIZE_ROWS:-25}" "$ROOT/target/wasm32-unknown-unknown/release/duplex_core_wasm.wasm"
