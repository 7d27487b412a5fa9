#!/usr/bin/env bash
# Fetches the GraphiQL playground's browser files from the npm registry and
# writes them to src/http/graphql/assets/, from where they are compiled into
# the binary: the playground then works with no internet, and on networks
# that block CDNs.
#
#   scripts/playground-assets.sh
#
# Each package tarball is checked against the registry's `dist.integrity`
# (sha512) before anything is taken from it. The versions are pinned here:
# GraphiQL 4.x is the last line with a UMD build (5.x is ESM and Monaco
# only), and React 18.3.1 the last with UMD files (19 dropped them). After
# changing a version, change the file names in src/http/graphql/playground.rs
# too (they carry the version, so browsers may keep them for a year).
# Needs curl, openssl, tar and npm (for `npm view`).
set -euo pipefail
cd "$(dirname "$0")/.."

graphiql_version="4.1.2"
react_version="18.3.1"

dest="src/http/graphql/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION: downloads the tarball into $work/NAME, checked and unpacked.
fetch() {
  local name="$1" version="$2"
  local tarball integrity actual
  tarball="$(npm view "$name@$version" dist.tarball)"
  integrity="$(npm view "$name@$version" dist.integrity)"
  case "$integrity" in
    sha512-*) ;;
    *) echo "$name@$version: the registry gives no sha512 integrity ($integrity)" >&2; exit 1 ;;
  esac
  curl -fsSL "$tarball" -o "$work/$name.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$name.tgz" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "$name@$version: integrity mismatch: registry $integrity, downloaded $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$work/$name.tgz" -C "$work/$name"
  echo "$name@$version $integrity" >>"$work/sources"
}

fetch graphiql "$graphiql_version"
fetch react "$react_version"
fetch react-dom "$react_version"

rm -rf "$dest"
mkdir -p "$dest/LICENSES"
cp "$work/graphiql/package/graphiql.min.js" "$dest/graphiql-$graphiql_version.min.js"
cp "$work/graphiql/package/graphiql.min.css" "$dest/graphiql-$graphiql_version.min.css"
cp "$work/react/package/umd/react.production.min.js" "$dest/react-$react_version.production.min.js"
cp "$work/react-dom/package/umd/react-dom.production.min.js" "$dest/react-dom-$react_version.production.min.js"
for name in graphiql react react-dom; do
  cp "$work/$name/package/LICENSE" "$dest/LICENSES/$name.txt"
done

cat >"$dest/README.md" <<EOF
# The playground's browser files

Written by \`scripts/playground-assets.sh\`; do not edit by hand. These are
the npm packages' own files, unchanged, compiled into the binary and served
under \`/graphql/assets/\` so that the GraphiQL playground loads nothing from
elsewhere.

| package | tarball integrity (checked against the npm registry) |
| --- | --- |
$(awk '{ printf "| %s | `%s` |\n", $1, $2 }' "$work/sources")

| file | from |
| --- | --- |
| \`graphiql-$graphiql_version.min.js\` | graphiql \`graphiql.min.js\` (UMD) |
| \`graphiql-$graphiql_version.min.css\` | graphiql \`graphiql.min.css\` |
| \`react-$react_version.production.min.js\` | react \`umd/react.production.min.js\` |
| \`react-dom-$react_version.production.min.js\` | react-dom \`umd/react-dom.production.min.js\` |

## Licences

GraphiQL, React and React DOM are MIT-licensed; their licence texts are in
\`LICENSES/\`. \`graphiql.min.js\` also bundles GraphiQL's own dependencies
(among them CodeMirror 5, markdown-it, Radix UI, framer-motion, zustand and
graphql-js), under the licences their npm packages declare.

The files' \`sourceMappingURL\` comments name maps that are not served: a
browser asks for them only while its developer tools are open.
EOF

ls -l "$dest" "$dest/LICENSES"
