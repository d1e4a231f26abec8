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

# Two suites: every unit and integration test (two at a time), then the fault tests (tests/chaos:
# their own Redis and PostgreSQL servers restarted, a worker partitioned, the bridge killed; one at
# a time, vitest.chaos.config.ts). Arguments (a file, -t) run the first suite only, narrowed.
# The last line sums both: 'N passed, N failed[, N skipped]'.
counts=$(mktemp -d)
trap 'rm -rf "$counts"' EXIT
SWITCHYARD_SUMMARY_FILE="$counts/main" npx vitest run "$@"
status=$?
if [ $# -eq 0 ] && [ "${SWITCHYARD_SKIP_CHAOS:-0}" != 1 ]; then
  SWITCHYARD_SUMMARY_FILE="$counts/chaos" npx vitest run --config vitest.chaos.config.ts
  chaos=$?
  [ $status -eq 0 ] && status=$chaos
  node -e '
    const fs = require("node:fs");
    const sum = { passed: 0, failed: 0, skipped: 0 };
    for (const name of ["main", "chaos"]) {
      const file = process.argv[1] + "/" + name;
      // A suite that crashed before its reporter ran counts as one failure.
      const counts = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { passed: 0, failed: 1, skipped: 0 };
      for (const key of Object.keys(sum)) sum[key] += counts[key];
    }
    const parts = [sum.passed + " passed", sum.failed + " failed"];
    if (sum.skipped > 0) parts.push(sum.skipped + " skipped");
    console.log("\nboth suites, the main one and the fault tests:");
    console.log(parts.join(", "));
  ' "$counts"
fi
exit $status
