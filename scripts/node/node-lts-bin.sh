#!/usr/bin/env bash
# Prints the bin folder of the Node.js LTS the project is tested on (.nvmrc), installing it
# from the npm registry (the node-<platform>-<arch> package: the official binary, no install
# script) into .node/ when this machine's node is another version. .ci/run puts the folder
# first on PATH, so that npm, vitest and every process the tests spawn run on that Node.
set -uo pipefail
cd "$(dirname "$0")/../.."
want=$(tr -d ' \n' < .nvmrc)
if [ "$(node -p 'process.versions.node' 2>/dev/null)" = "$want" ]; then
  dirname "$(command -v node)"
  exit 0
fi
pkg="node-$(node -p 'process.platform + "-" + process.arch')"
bin=".node/node_modules/$pkg/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -p 'process.versions.node')" != "$want" ]; then
  echo "node-lts-bin: installing Node $want ($pkg from the npm registry) into .node/ ..." >&2
  npm install --no-save --no-audit --no-fund --ignore-scripts --prefix .node "$pkg@$want" >&2 || {
    echo "node-lts-bin: could not install $pkg@$want from the npm registry (see above); check the registry is reachable, or install Node $want" >&2
    exit 1
  }
fi
echo "$PWD/$bin"
