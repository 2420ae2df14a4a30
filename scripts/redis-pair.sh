#!/usr/bin/env bash
# Starts two duplex-server instances that share relay rooms through one Redis, for trying the
# backplane by hand and for benchmarks that need two instances:
#
#   scripts/redis-pair.sh                     # its own redis-server on a free loopback port
#   REDIS_URL=redis://127.0.0.1:6379 scripts/redis-pair.sh   # an existing Redis
#
# It uses the server binary that is already built (DUPLEX_SERVER_BIN, default
# target/debug/duplex-server; target/release/duplex-server for benchmarks), takes free ports
# (PORT_A, PORT_B to choose), waits until both instances are connected to Redis, then prints
#
#   redis: redis://127.0.0.1:PORT
#   instance: http://127.0.0.1:PORT
#   instance: http://127.0.0.1:PORT
#   ready
#
# and runs until SIGINT or SIGTERM, which it passes on (the instances close their peers with
# 1001); then it stops the redis-server it started. Logs: target/redis-pair/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

server_bin="${DUPLEX_SERVER_BIN:-$ROOT/target/debug/duplex-server}"
[[ -x "$server_bin" ]] || die "no server binary at $server_bin: build it first (cargo build -p duplex-server), or set DUPLEX_SERVER_BIN"
logs="$ROOT/target/redis-pair"
mkdir -p "$logs"
pids=()
stop() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 0' INT TERM

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# GET a path of 127.0.0.1:PORT; prints the body.
http_get() {
  local port=$1 path=$2
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}

redis_url="${REDIS_URL:-}"
if [[ -z "$redis_url" ]]; then
  command -v redis-server >/dev/null || die "redis-server is not installed: run scripts/setup.sh --for-tests (or set REDIS_URL)"
  # redis-server cannot take port 0: try random ports below Linux's ephemeral range (32768
  # on), where outgoing connections take theirs, and another one if the bind still fails
  # (something took the port between the check and the bind).
  started=false
  for _ in $(seq 20); do
    redis_port=$((20000 + RANDOM % 12000))
    port_is_free "$redis_port" || continue
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$logs" --logfile "$logs/redis.log" &
    redis_pid=$!
    for _ in $(seq 50); do
      kill -0 "$redis_pid" 2>/dev/null || break
      port_is_free "$redis_port" || { started=true; break; }
      sleep 0.1
    done
    $started && break
    kill "$redis_pid" 2>/dev/null || true
  done
  $started || die "redis-server did not start: see $logs/redis.log"
  pids+=("$redis_pid")
  redis_url="redis://127.0.0.1:$redis_port"
fi
echo "redis: $redis_url"

ports=()
for index in 1 2; do
  port_var="PORT_$([[ $index == 1 ]] && echo A || echo B)"
  : >"$logs/instance-$index.out"
  DUPLEX_LOG="${DUPLEX_LOG:-info}" "$server_bin" --port "${!port_var:-0}" --www "$ROOT/www" --pkg "$ROOT/pkg" \
    --redis "$redis_url" >"$logs/instance-$index.out" 2>"$logs/instance-$index.log" &
  pids+=($!)
  for _ in $(seq 600); do
    line="$(head -n 1 "$logs/instance-$index.out")"
    [[ -n "$line" ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || die "instance $index did not start: see $logs/instance-$index.log"
    sleep 0.1
  done
  [[ "$line" == "duplex-server listening on "* ]] || die "instance $index did not start: see $logs/instance-$index.log"
  url="${line#duplex-server listening on }"
  ports+=("${url##*:}")
  echo "instance: $url"
done

for port in "${ports[@]}"; do
  for _ in $(seq 600); do
    http_get "$port" /metrics 2>/dev/null | grep -qx 'duplex_backplane_up 1' && continue 2
    sleep 0.1
  done
  die "the instance on port $port did not connect to $redis_url within 60s: see $logs/"
done
echo "ready"
wait -n "${pids[@]}" || true
say "a process of the pair ended: stopping the others"
