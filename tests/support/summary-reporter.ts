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
      // A file that failed to load (syntax error, failing beforeAll) has no passing tests to count.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed += 1;
        else if (result.state === 'failed') failed += 1;
        else {
          skipped += 1;
          const note = result.state === 'skipped' ? result.note : undefined;
          skipNotes.push(`  skipped: ${test.fullName}${note ? ` (${note})` : ''}`);
        }
      }
    }
    failed += unhandledErrors.length;
    if (skipNotes.length > 0) process.stdout.write(`\n${skipNotes.join('\n')}\n`);
    const parts = [`${passed} passed`, `${failed} failed`];
    if (skipped > 0) parts.push(`${skipped} skipped`);
    process.stdout.write(`\n${parts.join(', ')}\n`);
  }
}
