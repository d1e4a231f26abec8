import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The fault tests start their own servers and clusters for minutes each: `npm run chaos`
    // (vitest.chaos.config.ts) runs them.
    exclude: [...configDefaults.exclude, 'tests/chaos/**'],
    // Integration tests start servers (Chroma) and open many connections; two cores, so keep the
    // worker count at the core count and give slow native setups room.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
