#!/usr/bin/env bash
# The test command (npm test): checks that the services the integration tests use answer, then
# runs every unit and integration test. Ends with 'N passed, N failed[, N skipped]'.
set -uo pipefail
cd "$(dirname "$0")/.."

problems=()
db_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
if ! node -e "
  const pg = require('pg');
  const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
  c.connect().then(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });
" "$db_url" 2>/dev/null; then
  problems+=("PostgreSQL does not answer at $db_url (install: apt-get install postgresql; or set TEST_DATABASE_URL)")
fi
if ! node -e "require('faiss-node')" 2>/dev/null; then
  problems+=("the faiss-node native addon does not load (apt-get install libfaiss-dev, then npm run setup)")
fi
if [ ${#problems[@]} -gt 0 ]; then
  echo "npm test: cannot run the integration tests:" >&2
  for p in "${problems[@]}"; do echo "  - $p" >&2; done
  echo "0 passed, 1 failed"
  exit 1
fi

exec npx vitest run "$@"
