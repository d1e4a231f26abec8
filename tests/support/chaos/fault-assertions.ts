import { expect } from 'vitest';
import type { FaultReport } from './chaos-db.js';

/**
 * The exactly-once verdict, one soft assertion per kind of violation so a run shows all of them:
 * no answered task lost, nothing started or written twice, no refused submit with a run. When any
 * fails, `context` (the processes' logs) is printed once.
 */
export function expectExactlyOnce(report: FaultReport, context: () => string): void {
  const v = report.violations;
  const checks: Array<[string, unknown[]]> = [
    ['answered tasks without a completed run', report.lostRuns],
    ['runs started twice', v.startedTwice],
    ['completed runs whose crm rows differ from the writes they executed', v.crmMismatch],
    ['non-idempotent effects tried twice', v.repeatedEffects],
    ['accounts reviewed by two runs', v.accountsRunTwice],
    ['refused submits that have a run', v.refusedWithRun],
    ['runs of unanswered submits that did not complete', v.strandedRuns],
  ];
  if (checks.some(([, list]) => list.length > 0))
    console.log(`fault ${report.fault}: the processes' last log lines\n${context()}`);
  for (const [what, list] of checks) {
    const shown = `${JSON.stringify(list.slice(0, 5))}${list.length > 5 ? ` and ${list.length - 5} more` : ''}`;
    expect.soft(list.length, `fault ${report.fault}: ${what}: ${shown}`).toBe(0);
  }
}
