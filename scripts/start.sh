#!/usr/bin/env bash
# `npm start`: set up, build, and run duplex-server with the demo on http://localhost:9900/
# (PORT=... or DUPLEX_PORT=... picks another port).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"
port="${PORT:-${DUPLEX_PORT:-9900}}"
say "starting duplex-server: open http://localhost:$port/ (Ctrl-C stops it)"
note "--test-hooks is on for the demo's 'Drop the connection' button; never use it in production"
cd "$ROOT"
exec "$ROOT/target/server-speed/duplex-server" --port "$port" --www www --pkg pkg --test-hooks
