import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the closing line CI reads: `N passed, N failed[, N skipped]`, after the list of skipped
 * tests with the reason each gave (`ctx.skip('why')`), so a skip is never silent.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skipNotes: string[] = [];
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed += 1;
        else if (result.state === 'failed') failedHere += 1;
        else {
          skipped += 1;
          const note = result.state === 'skipped' ? result.note : undefined;
          skipNotes.push(`  skipped: ${test.fullName}${note ? ` (${note})` : ''}`);
        }
      }
      // A file that failed on its own (a syntax error, a failing beforeAll: its tests are then
      // reported skipped) counts as one failure, or the run could end "0 failed" without its tests.
      if (module.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    // scripts/test.sh runs two suites (the main one, then the fault tests) and sums their counts.
    const file = process.env.SWITCHYARD_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify({ passed, failed, skipped }));
    if (skipNotes.length > 0) process.stdout.write(`\n${skipNotes.join('\n')}\n`);
    const parts = [`${passed} passed`, `${failed} failed`];
    if (skipped > 0) parts.push(`${skipped} skipped`);
    process.stdout.write(`\n${parts.join(', ')}\n`);
  }
}
