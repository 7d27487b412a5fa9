#!/usr/bin/env bash
# Soak: MINUTES (default 10) of mixed load on a release build of hubgraph:
# readers, hub status writes by an admin, and WebSocket subscribers that
# reconnect every 30 s. The server's RSS and open sockets (from /proc) and
# its database pool and WebSockets (from /metrics) are sampled every 5 s;
# after the warm-up (a fifth of the run, at most 2 minutes) each is averaged
# a minute at a time, and the minute means must stay within 10% (max over
# min), or the script exits 1.
#
#   bench/soak.sh [MINUTES]
#
# Environment: SOAK_SERVICES (synthetic services to seed, default 2000),
# SOAK_DATABASE_URL (a PostgreSQL database, already seeded with hubs, to use
# instead of a fresh SQLite file), SOAK_ARGS (more flags for the load,
# e.g. "--subscribers 200 --writes 20"; see `soak --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:-10}"
services="${SOAK_SERVICES:-2000}"

cargo build --release --quiet -p hubgraph --bin hubgraph
cargo build --release --quiet -p hubgraph-bench --bin soak
hubgraph="$PWD/target/release/hubgraph"
soak="$PWD/target/release/soak"

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="${SOAK_DATABASE_URL:-sqlite://$work/soak.db?mode=rwc}"
# A fresh secret per run: its tokens die with the run.
HUBGRAPH_JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export HUBGRAPH_JWT_SECRET
# Warnings only (the access log of a long run is large), and the line saying
# where the server listens; RUST_LOG=info keeps every access line.
export RUST_LOG="${RUST_LOG:-warn,hubgraph::cli=info}"

if [ -z "${SOAK_DATABASE_URL:-}" ]; then
  echo "seeding $services synthetic services..." >&2
  "$hubgraph" seed synthetic --services "$services" >/dev/null
fi
partner="$("$hubgraph" partner add --kind admin --name "Soak operator" 2>/dev/null)"
token="$("$hubgraph" token issue --partner "$partner" --ttl 1d 2>/dev/null)"

# The load is one client: no rate limits. Logs as JSON, as in production;
# the server picks a free port and logs it.
"$hubgraph" serve --bind 127.0.0.1:0 --rate-per-token 0 --rate-per-ip 0 \
  --log-format json 2>"$work/server.log" &
server=$!
base=""
for _ in $(seq 1 600); do
  base="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -n 1 || true)"
  [ -n "$base" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$base" ] || { echo "the server did not say where it listens" >&2; exit 1; }

# shellcheck disable=SC2086 # SOAK_ARGS is a list of flags.
"$soak" --base "$base" --pid "$server" --token "$token" --minutes "$minutes" ${SOAK_ARGS:-}
