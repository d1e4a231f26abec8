import { describe, expect, it } from 'vitest';
import { stillUnfinished, summarizeBatch } from '../../../../agents/account-review-batch/batch-summary.js';
import type { ChildRunSummary } from '../../../../runtime/actors/agent-definition.js';

const review = (outcome: string, writes: boolean[]) => ({
  accountId: 'x',
  outcome,
  executed: writes.map((ok, index) => ({ index, action: 'create_task', title: 't', ok })),
});

const runs: ChildRunSummary[] = [
  { id: 'r1', agent: 'account-review', status: 'completed', output: review('applied', [true, true, false]) },
  { id: 'r2', agent: 'account-review', status: 'completed', output: review('rejected', []) },
  {
    id: 'r3',
    agent: 'account-review',
    status: 'failed',
    error: { code: 'tool_failed', message: 'no such account' },
  },
  { id: 'r4', agent: 'account-review', status: 'cancelled', error: { code: 'cancelled', message: 'by bob' } },
  { id: 'r5', agent: 'account-review', status: 'awaiting_approval' },
  { id: 'r6', agent: 'account-review', status: 'completed', output: review('applied', [true]) },
];
const accounts = ['acc_1', 'acc_2', 'acc_3', 'acc_4', 'acc_5', 'acc_6', 'acc_7'];
const children = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];

describe('batch summary', () => {
  it('keeps the children not yet final: a parked or unstarted one stays, a final one leaves', () => {
    expect(stillUnfinished(children, runs)).toEqual(['r5', 'r7']);
    expect(stillUnfinished(['r1', 'r6'], runs)).toEqual([]);
    // Only the children asked about: a read holding more runs answers the same.
    expect(stillUnfinished(['r5', 'r7'], runs)).toEqual(['r5', 'r7']);
  });

  it('counts by status and outcome, sums the writes that succeeded, and lists failed and pending accounts', () => {
    expect(summarizeBatch(accounts, children, runs, 3)).toEqual({
      total: 7,
      complete: false,
      byStatus: { completed: 3, failed: 1, cancelled: 1, awaiting_approval: 1, queued: 1 },
      byOutcome: { applied: 2, rejected: 1 },
      crmWrites: 3,
      failed: [
        {
          accountId: 'acc_3',
          runId: 'r3',
          status: 'failed',
          code: 'tool_failed',
          message: 'no such account',
        },
        { accountId: 'acc_4', runId: 'r4', status: 'cancelled', code: 'cancelled', message: 'by bob' },
      ],
      pending: [
        { accountId: 'acc_5', runId: 'r5', status: 'awaiting_approval' },
        { accountId: 'acc_7', runId: 'r7', status: 'queued' },
      ],
      rounds: 3,
    });
  });

  it('is complete when every child ended; a failure without a recorded error keeps its status as code', () => {
    const summary = summarizeBatch(
      ['acc_1'],
      ['r9'],
      [{ id: 'r9', agent: 'account-review', status: 'failed' }],
      1,
    );
    expect(summary.complete).toBe(true);
    expect(summary.failed).toEqual([
      { accountId: 'acc_1', runId: 'r9', status: 'failed', code: 'failed', message: 'the review was failed' },
    ]);
  });
});
