import { defineConfig } from 'vitest/config';

// `npm run chaos`: the fault tests (tests/chaos), kept out of `npm test` (vitest.config.ts), each
// starting its own servers and Switchyard processes. One file at a time: they measure recovery on
// two shared cores, and several clusters at once would make every timing a guess.
export default defineConfig({
  test: {
    include: ['tests/chaos/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default', './tests/support/summary-reporter.ts'],
  },
});
