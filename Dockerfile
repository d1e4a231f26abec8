# Switchyard's image: the bridge (`start`) and the workers (`worker`) run from it; see docker-compose.yml.
#
#   docker build -t switchyard .
#   docker run --rm -p 7400:7400 -e SWITCHYARD_API_HOST=0.0.0.0 -e SWITCHYARD_API_KEYS=… switchyard start
#
# Two stages: `build` has the compilers, the FAISS headers and every dependency; `runtime` has the
# production dependencies, the compiled addon and dist/ only.

# ---- build: npm ci, the FAISS addon (as `npm run setup` builds it), tsc, then drop devDependencies
FROM node:20-bookworm AS build

# libfaiss-dev: FAISS headers and Debian's libfaiss (static in bookworm) for scripts/build-faiss.sh;
# node-gyp needs make, a C++ compiler and python3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libfaiss-dev build-essential python3 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# build-faiss.sh passes --nodedir=${npm_config_nodedir:-/usr}; the node image keeps Node's headers
# under /usr/local/include/node, so node-gyp compiles against them and needs no download.
ENV npm_config_nodedir=/usr/local

# .npmrc sets ignore-scripts=true: faiss-node's own installer downloads from GitHub; the addon is
# compiled below instead. (tools/conformance is a dev-only suite and is not installed here.)
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund

COPY scripts/build-faiss.sh ./scripts/build-faiss.sh
COPY scripts/faiss ./scripts/faiss
RUN bash scripts/build-faiss.sh

# The sources (.dockerignore keeps node_modules, dist, .git and local data out). tsc follows imports
# outside tsconfig.build.json's folders (scripts/bench uses tests/support), so the tree is copied whole.
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "require('faiss-node')"

# ---- runtime: Node 20 slim, the shared libraries the addon links, the built app
FROM node:20-bookworm-slim AS runtime

# bookworm's libfaiss-dev ships libfaiss.a only, so FAISS is inside faiss-node.node; what the addon
# still loads is OpenMP (libgomp1), BLAS and LAPACK (libblas3, liblapack3, which pulls libgfortran5).
# tini is PID 1: it forwards SIGTERM to node and reaps the MCP server processes the bridge spawns.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 libblas3 liblapack3 tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    SWITCHYARD_HOME=/var/lib/switchyard

COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The web console's built files (npm run build makes them; the API serves them at /console/).
COPY --from=build /app/console/dist ./console/dist
# Example declarative agents (point agents.dirs at /app/examples/agents to load them).
COPY examples ./examples

# The data directory (PGlite and FAISS files when no DATABASE_URL / another backend is set).
# A named volume mounted here starts with this ownership.
RUN mkdir -p /var/lib/switchyard && chown node:node /var/lib/switchyard \
 && node -e "require('faiss-node')"

USER node
EXPOSE 7400
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/app/cli.js"]
CMD ["start"]
