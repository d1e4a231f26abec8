import { configDefaults, defineConfig } from 'vitest/config';

// `npm run test:unit`: the unit tests alone, for the inner loop. They need no service (no
// PostgreSQL, Redis or Chroma server) and no native addon; PGlite (WASM) stands in where SQL is
// exercised. `npm test` runs them again with everything else.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    // PGlite's first start compiles its WASM: slow on a loaded machine.
    hookTimeout: 60_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
