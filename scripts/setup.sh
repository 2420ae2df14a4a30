#!/usr/bin/env bash
# Installs what building and testing duplex-ws needs, and skips what is already there.
#   scripts/setup.sh              the build toolchain (enough for `npm start`)
#   scripts/setup.sh --for-tests  also the headless browsers and their drivers, and redis-server
# Everything comes from the package registries (crates.io, npm, Debian): on these machines a
# download of a prebuilt binary from anywhere else fails (see shared/TOOLCHAIN.md).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

for_tests=false
[[ "${1:-}" == "--for-tests" ]] && for_tests=true

command -v cargo >/dev/null || die "cargo is not installed: install Rust with rustup first"
command -v node >/dev/null || die "node is not installed: install Node.js 20 or newer first"

say "set-up: checking the toolchain"

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  note "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target (rustup)"
  rustup target add wasm32-unknown-unknown
fi

# node_modules is stale when package-lock.json changed since the last install.
if [[ -f "$ROOT/node_modules/.package-lock.json" && ! "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]]; then
  note "npm packages: installed"
elif [[ -L "$ROOT/node_modules" ]]; then
  # A worktree's link to another checkout's packages: npm ci would empty that checkout's
  # node_modules through the link. Compare the lock files instead of the dates.
  if cmp -s "$ROOT/package-lock.json" "$(readlink -f "$ROOT/node_modules")/../package-lock.json"; then
    note "npm packages: installed (node_modules links to a checkout with the same package-lock.json)"
  else
    die "node_modules links to $(readlink -f "$ROOT/node_modules"), whose checkout has another package-lock.json: run npm ci there, or replace the link with a folder of its own"
  fi
else
  say "installing the npm packages (npm ci: binaryen for wasm-opt, ws, playwright-core, typescript, and the bundlers the tests build with: vite, webpack, rollup, esbuild)"
  (cd "$ROOT" && npm ci --no-audit --no-fund)
fi

wanted_bindgen="$(locked_wasm_bindgen_version)"
[[ -n "$wanted_bindgen" ]] || die "no wasm-bindgen in Cargo.lock"
if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $wanted_bindgen" ]]; then
  note "wasm-bindgen-cli $wanted_bindgen: present"
else
  say "installing wasm-bindgen-cli $wanted_bindgen (it must match Cargo.lock; about 3 minutes)"
  if ! cargo install --locked wasm-bindgen-cli --version "$wanted_bindgen"; then
    # The CLI's own lock file can name a release since withdrawn from crates.io; then the
    # only way is a fresh resolution of its dependencies.
    say "its lock file does not resolve on crates.io any more; installing without --locked"
    cargo install wasm-bindgen-cli --version "$wanted_bindgen"
  fi
fi

if command -v wasm-pack >/dev/null; then
  note "$(wasm-pack --version): present"
else
  say "installing wasm-pack 0.15.1 (cargo install; about 2 minutes)"
  cargo install --locked wasm-pack --version 0.15.1
fi

if ! $for_tests; then
  say "set-up done"
  exit 0
fi

# Debian's packages, one per missing command.
missing_packages=()
command -v chromium >/dev/null || missing_packages+=(chromium)
command -v chromedriver >/dev/null || missing_packages+=(chromium-driver)
command -v firefox >/dev/null || command -v firefox-esr >/dev/null || missing_packages+=(firefox-esr)
if (( ${#missing_packages[@]} == 0 )); then
  note "Chromium, ChromeDriver and Firefox: present"
elif [[ "$(id -u)" == 0 ]]; then
  say "installing ${missing_packages[*]} (apt-get; about 1 minute)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}"
else
  die "the browser tests need these Debian packages, and installing them needs root: sudo apt-get install -y ${missing_packages[*]}"
fi

# The Redis backplane tests (server/tests/redis_backplane.rs) start their own redis-server.
if command -v redis-server >/dev/null; then
  note "$(redis-server --version | cut -d' ' -f1-3): present"
elif [[ "$(id -u)" == 0 ]]; then
  say "installing redis-server (apt-get; for the Redis backplane tests)"
  # Only refresh the package lists when they do not know the package yet.
  if ! apt-cache policy redis-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
else
  die "the Redis backplane tests need the Debian package redis-server, and installing it needs root: sudo apt-get install -y redis-server"
fi

if command -v geckodriver >/dev/null; then
  note "$(geckodriver --version | head -n 1): present"
else
  say "installing geckodriver 0.37.1 (not in Debian: cargo install; about 2.5 minutes)"
  cargo install --locked geckodriver --version 0.37.1
fi

say "set-up done"
