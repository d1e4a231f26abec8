import { describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { accountReviewBatchAgent } from '../../../../agents/account-review-batch/account-review-batch-agent.js';
import type { AccountReviewBatchOutput } from '../../../../agents/account-review-batch/batch-summary.js';
import {
  type ChildRunSummary,
  resolvePolicy,
  type RunServices,
} from '../../../../runtime/actors/agent-definition.js';

// The batch's statechart against scripted services: a fake clock that sleepUntil advances, and
// child runs whose statuses change by round. What it reads and waits for, under which keys.

const T0 = 1_700_000_000_000;

interface Script {
  /** The statuses the children have at the read of round n (the last entry repeats). */
  rounds: Array<Record<string, ChildRunSummary['status']>>;
  limits?: { timeoutMs?: number; maxSteps?: number };
}

function scripted(script: Script) {
  let now = T0;
  const reads: Array<{ key: string; output: boolean }> = [];
  const waits: Array<{ key: string; at: number }> = [];
  const progress: Array<Record<string, unknown>> = [];
  const services = {
    runId: 'batch-1',
    agent: 'account-review-batch',
    policy: resolvePolicy({
      ...accountReviewBatchAgent.policy,
      limits: { ...accountReviewBatchAgent.policy?.limits, ...script.limits },
    }),
    now: () => now,
    emit: (type: string, data: Record<string, unknown>) => {
      if (type === 'batch_progress') progress.push(data);
    },
    childRuns: async (key: string, options: { output?: boolean } = {}) => {
      reads.push({ key, output: options.output ?? true });
      const round = Math.min(reads.length - 1, script.rounds.length - 1);
      return Object.entries(script.rounds[round]!).map(([id, status]): ChildRunSummary => ({
        id,
        agent: 'account-review',
        status,
        ...(status === 'completed' && (options.output ?? true)
          ? { output: { outcome: 'applied', executed: [{ ok: true }] } }
          : {}),
      }));
    },
    sleepUntil: async (key: string, at: number) => {
      waits.push({ key, at });
      now = Math.max(now, at);
    },
  } as unknown as RunServices;
  return { services, reads, waits, progress };
}

async function run(services: RunServices, input: unknown) {
  const actor = createActor(accountReviewBatchAgent.createMachine(services), {
    input: accountReviewBatchAgent.parseInput!(input),
  });
  actor.start();
  const output = await toPromise(actor);
  return { output, tags: [...actor.getSnapshot().tags] };
}

const input = { accountIds: ['acc_1', 'acc_2'], children: ['r1', 'r2'] };

describe('the account-review-batch statechart', () => {
  it('reads, waits with growing intervals under per-round keys until every child is final, then summarizes', async () => {
    const { services, reads, waits, progress } = scripted({
      rounds: [
        { r1: 'completed', r2: 'awaiting_approval' },
        { r1: 'completed', r2: 'running' },
        { r1: 'completed', r2: 'completed' },
      ],
    });
    const { output } = await run(services, input);
    expect(reads).toEqual([
      { key: 'children-0', output: false },
      { key: 'children-1', output: false },
      { key: 'children-2', output: false },
      { key: 'children-final', output: true },
    ]);
    expect(waits).toEqual([
      { key: 'wait-0', at: T0 + 2_000 },
      { key: 'wait-1', at: T0 + 5_000 },
    ]);
    expect(progress).toEqual([
      { done: 1, total: 2, round: 0 },
      { done: 1, total: 2, round: 1 },
      { done: 2, total: 2, round: 2 },
    ]);
    expect(output).toMatchObject({
      total: 2,
      complete: true,
      byStatus: { completed: 2 },
      byOutcome: { applied: 2 },
      crmWrites: 2,
      rounds: 3,
    });
  });

  it('stops waiting before its wall-time limit and completes with the unfinished reviews as pending', async () => {
    const { services, waits } = scripted({
      rounds: [{ r1: 'completed', r2: 'awaiting_approval' }],
      limits: { timeoutMs: 60_000 },
    });
    const { output } = await run(services, input);
    const summary = output as AccountReviewBatchOutput;
    expect(summary.complete).toBe(false);
    expect(summary.pending).toEqual([{ accountId: 'acc_2', runId: 'r2', status: 'awaiting_approval' }]);
    expect(summary.byStatus).toEqual({ completed: 1, awaiting_approval: 1 });
    // Waits of 2 s growing by half up to 30 s, none ending later than 10 s before the limit.
    expect(waits.map((w) => w.at - T0)).toEqual([2_000, 5_000, 9_500, 16_250, 26_375, 41_563]);
    expect(summary.rounds).toBe(waits.length + 1);
  });

  it('stops waiting before its step limit would fail it', async () => {
    const { services, waits } = scripted({
      rounds: [{ r1: 'running', r2: 'running' }],
      limits: { maxSteps: 20 },
    });
    const { output } = await run(services, input);
    expect((output as AccountReviewBatchOutput).complete).toBe(false);
    expect((output as AccountReviewBatchOutput).rounds).toBe(6);
    expect(waits).toHaveLength(5);
  });

  it('fails, saying how to submit it, when it runs without children (not through the queue)', async () => {
    const { services, reads } = scripted({ rounds: [{}] });
    const { output, tags } = await run(services, { accountIds: ['acc_1'] });
    expect(tags).toContain('failed');
    expect(output).toEqual({
      error: { code: 'not_a_flow', message: expect.stringMatching(/submit it as a task/) },
    });
    expect(reads).toEqual([]);
  });
});
