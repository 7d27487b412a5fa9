#!/usr/bin/env bash
# Code-Point Open at full size: imports the whole release (Scotland, the
# default: 161,349 rows kept of 1.74 million read) into an empty SQLite
# database and an empty PostgreSQL database, then again into each (every
# row updated in place), and reports wall time, CPU time, peak RSS (GNU
# time) and the importer's own rows/s line.
#
#   bench/postcodes.sh [ZIP]        (builds the release binary first)
#
# ZIP defaults to ../shared/data/code-point-open/codepo_gb.zip. PostgreSQL:
# POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the
# admin connection; a scratch database is created and dropped afterwards.
# Without psql or a server the PostgreSQL rows are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
zip="$(realpath "${1:-../shared/data/code-point-open/codepo_gb.zip}")"
admin="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release -q -p hubgraph
bin="$PWD/target/release/hubgraph"
work="$(mktemp -d)"
scratch="hubgraph_bench_postcodes_$$"
cleanup() {
  rm -rf "$work"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

step() { # step NAME DATABASE_URL ARGS...
  local name="$1" url="$2"
  shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" env DATABASE_URL="$url" "$bin" "$@" >/dev/null 2>"$work/log" ||
    { cat "$work/log" >&2; exit 1; }
  read -r seconds user sys kib <"$work/time"
  local rate
  rate="$(grep -o '[0-9]* rows/s' "$work/log" || true)"
  printf '| %s | %s s | %s + %s s | %d MiB | %s |\n' "$name" "$seconds" "$user" "$sys" "$((kib / 1024))" "$rate"
}

echo "| step ($(basename "$zip"), Scotland) | wall time | CPU (user + sys) | peak RSS | reported |"
echo "| --- | ---: | ---: | ---: | ---: |"
sqlite="sqlite://$work/postcodes.db?mode=rwc"
DATABASE_URL="$sqlite" "$bin" migrate 2>/dev/null
step "SQLite, empty database" "$sqlite" import postcodes "$zip"
step "SQLite, again (all updated)" "$sqlite" import postcodes "$zip"
if psql -q "$admin" -c "CREATE DATABASE $scratch" >/dev/null 2>&1; then
  postgres="${admin%/*}/$scratch"
  DATABASE_URL="$postgres" "$bin" migrate 2>/dev/null
  step "PostgreSQL, empty database" "$postgres" import postcodes "$zip"
  step "PostgreSQL, again (all updated)" "$postgres" import postcodes "$zip"
else
  echo "(PostgreSQL at $admin not reachable: left out)" >&2
fi
