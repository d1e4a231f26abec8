#!/usr/bin/env bash
# Builds faiss-node's native addon against the system libfaiss (apt: libfaiss-dev).
# faiss-node's own install script downloads a prebuilt binary and then clones faiss from GitHub;
# neither works offline, so .npmrc skips install scripts and this script compiles src/faiss.cc instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/node_modules/faiss-node"
addon="$pkg/build/Release/faiss-node.node"

if [ ! -d "$pkg" ]; then
  echo "build-faiss: node_modules/faiss-node is missing; run 'npm ci' first" >&2
  exit 1
fi
if [ ! -f /usr/include/faiss/IndexFlat.h ]; then
  echo "build-faiss: FAISS headers not found; install them with 'apt-get install -y libfaiss-dev'" >&2
  exit 1
fi
if [ -f "$addon" ] && node -e "require('$pkg')" 2>/dev/null; then
  echo "build-faiss: $addon already loads; nothing to do" >&2
  exit 0
fi

cp "$root/scripts/faiss/binding.gyp" "$pkg/binding.gyp"
export FAISS_COMPAT_HEADER="$root/scripts/faiss/idx_t_compat.h"
# node-addon-api is resolved from the project (faiss-node's nested copy is fine too).
cd "$pkg"
NODE_PATH="$root/node_modules" "$root/node_modules/.bin/node-gyp" rebuild --nodedir="${npm_config_nodedir:-/usr}" >&2
node -e "const f=require('$pkg'); const i=new f.IndexFlatL2(2); i.add([0,0,1,1]); if (i.ntotal()!==2) process.exit(1)"
echo "build-faiss: built and loaded $addon" >&2
