#!/usr/bin/env bash
# HSDS interchange at scale: seeds the synthetic set (20,000 services by
# default) into SQLite, exports it as HSDS NDJSON, imports the export into
# an empty database, then imports it again (nothing changes), and reports
# wall time and peak RSS of each step (GNU time).
#
#   bench/hsds.sh [SERVICES]      (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
services="${1:-20000}"
cargo build --release -q -p hubgraph
bin="$PWD/target/release/hubgraph"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source_db="sqlite://$work/source.db?mode=rwc"
copy_db="sqlite://$work/copy.db?mode=rwc"

step() { # step NAME DATABASE_URL ARGS...
  local name="$1" url="$2"
  shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" env DATABASE_URL="$url" "$bin" "$@" >/dev/null 2>"$work/log" ||
    { cat "$work/log" >&2; exit 1; }
  read -r seconds kib <"$work/time"
  printf '| %s | %s s | %d MiB |\n' "$name" "$seconds" "$((kib / 1024))"
}

echo "| step ($services services, SQLite) | wall time | peak RSS |"
echo "| --- | --- | --- |"
step "seed synthetic" "$source_db" seed synthetic --services "$services"
step "export hsds --format ndjson" "$source_db" export hsds "$work/hsds" --format ndjson
step "import hsds (empty database)" "$copy_db" import hsds "$work/hsds"
step "import hsds again (no change)" "$copy_db" import hsds "$work/hsds"
echo
echo "export: $(du -sh "$work/hsds" | cut -f1) in $(ls "$work/hsds" | tr '\n' ' ')"
