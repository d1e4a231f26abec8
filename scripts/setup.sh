#!/usr/bin/env bash
# One-time set-up of a clone: dependencies, the FAISS native addon, the TypeScript build.
# System packages are not installed here (that needs root); the README lists them.
set -euo pipefail
cd "$(dirname "$0")/.."

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found $(node -v))" >&2
  exit 1
fi

echo "setup: installing npm dependencies (npm ci)" >&2
npm ci --no-audit --no-fund

# The MCP conformance suite and the MCP Inspector 2.x need Node >= 22: each has its own package
# carrying a Node 22 binary, kept out of the root package so that binary never comes first on PATH
# in npm scripts.
if [ "$(uname -sm)" = "Linux x86_64" ]; then
  echo "setup: installing the MCP conformance suite and its Node 22 (npm ci --prefix tools/conformance)" >&2
  npm ci --prefix tools/conformance --no-audit --no-fund
  echo "setup: installing the MCP Inspector and its Node 22 (npm ci --prefix tools/inspector)" >&2
  npm ci --prefix tools/inspector --no-audit --no-fund
else
  echo "setup: tools/conformance and tools/inspector carry a Linux x64 Node 22 only, so the conformance tests will be skipped and the Inspector tests will fail here." >&2
fi

if [ -f /usr/include/faiss/IndexFlat.h ]; then
  bash scripts/build-faiss.sh
else
  echo "setup: libfaiss-dev is not installed, so the faiss vector backend is unavailable." >&2
  echo "setup: install it with 'sudo apt-get install -y libfaiss-dev' and run 'npm run setup' again." >&2
fi

echo "setup: compiling TypeScript to dist/ and building the web console (console/dist)" >&2
npm run build
echo "setup: done" >&2
