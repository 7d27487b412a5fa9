#!/usr/bin/env bash
# Fuzzes the GraphQL API with schemathesis (GraphQL mode, from PyPI) against a
# local server holding the demo data, first anonymous, then with an admin
# token. Fails on any 5xx response, any error without an `extensions.code`
# or with INTERNAL or another code that is not a client outcome
# (scripts/schemathesis_hooks.py explains why schemathesis's own
# `not_a_server_error` is not used), and on INTERNAL in the server's log.
#
#   scripts/fuzz-graphql.sh [MAX_EXAMPLES]     (default 50 per operation)
#
# Needs python3 with venv; installs schemathesis into target/schemathesis-venv.
# Reports (JUnit) go to target/schemathesis/.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-50}"
schemathesis_version="4.32.5"

venv="$PWD/target/schemathesis-venv"
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version | grep -q "$schemathesis_version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi

cargo build -q -p hubgraph
bin="$PWD/target/debug/hubgraph"
work="$(mktemp -d)"
reports="$PWD/target/schemathesis"
mkdir -p "$reports"

export DATABASE_URL="sqlite://$work/fuzz.db?mode=rwc"
export HUBGRAPH_JWT_SECRET="fuzzing-secret-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port/graphql"

# Rate limits off: the fuzzer sends thousands of requests from one address.
"$bin" serve --demo --bind "127.0.0.1:$port" --rate-per-ip 0 --rate-per-token 0 2>"$work/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done

admin="$("$bin" partner add --kind admin --name "Fuzzing admin" 2>/dev/null)"
token="$("$bin" token issue --partner "$admin" --ttl 1h 2>/dev/null)"

export SCHEMATHESIS_HOOKS=schemathesis_hooks
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
fuzz() { # fuzz NAME [st options...]
  local name="$1"
  shift
  echo "== schemathesis: $name =="
  "$venv/bin/st" run "$url" \
    --checks no_server_errors \
    --max-examples "$examples" --seed 20261130 --workers 2 --generation-database :memory: \
    --report junit --report-junit-path "$reports/$name.xml" \
    --no-color "$@"
}
status=0
fuzz anonymous || status=1
fuzz admin -H "Authorization: Bearer $token" || status=1

if grep -q '"INTERNAL"\|INTERNAL' "$work/server.log"; then
  echo "the server logged internal errors:" >&2
  grep 'INTERNAL' "$work/server.log" | head -20 >&2
  status=1
fi
exit "$status"
