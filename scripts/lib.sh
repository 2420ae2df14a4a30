# Shared by the scripts in this folder: where we are, what is on PATH, how we talk.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# cargo-installed tools, and the npm devDependencies (wasm-opt from `binaryen`).
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version Cargo.lock holds; the CLI must be exactly this one.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# wasm-opt on the engine's wasm (scripts/build.sh): size first; names, producers and the
# target-features section dropped (no runtime reads them: -127 B gzipped), and the linker's
# `__data_end` and `__heap_base` exports, which js/ never uses (-24 B).
WASM_OPT_FLAGS=(-Oz --strip-debug --strip-producers --strip-target-features
  --remove-exports '--pass-arg=remove-exports@__*')
