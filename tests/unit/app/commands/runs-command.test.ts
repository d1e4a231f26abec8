import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  formatCost,
  formatInstant,
  formatRuns,
  registerRunsCommand,
  runsPath,
} from '../../../../app/commands/runs-command.js';

describe('switchyard runs', () => {
  it('prints runs as a table with status, cost and the last update in UTC', () => {
    const text = formatRuns([
      {
        runId: 'run-1',
        agent: 'gated',
        status: 'awaiting_approval',
        steps: 4,
        requestedBy: 'erin',
        cost: { costUsd: 0.01234 },
        createdAt: '2026-12-01T10:00:00.000Z',
        updatedAt: '2026-12-01T10:00:05.120Z',
      },
      { runId: 'run-22', agent: 'coding', status: 'completed' },
    ]);
    expect(text.split('\n')).toEqual([
      'RUN     AGENT   STATUS             STEPS  COST     REQUESTED BY  UPDATED',
      'run-1   gated   awaiting_approval  4      $0.0123  erin          2026-12-01T10:00:05Z',
      'run-22  coding  completed          -      -        -             -',
      '',
    ]);
  });

  it('says so when there are no runs, naming the state asked for', () => {
    expect(formatRuns([])).toBe('no runs yet\n');
    expect(formatRuns([], 'failed')).toBe('no runs are failed\n');
  });

  it('asks for the state given and refuses a state that is not a run status', async () => {
    expect(runsPath()).toBe('/v1/runs');
    expect(runsPath('awaiting_approval')).toBe('/v1/runs?state=awaiting_approval');
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerRunsCommand(program);
    await expect(
      program.parseAsync(['runs', '--state', 'done', '--url', 'http://127.0.0.1:1'], { from: 'user' }),
    ).rejects.toThrow(/Allowed choices are queued, running, awaiting_approval/);
  });

  it('formats cost and instants, with a dash for what is unknown', () => {
    expect(formatCost(undefined)).toBe('-');
    expect(formatCost(1.5)).toBe('$1.5000');
    expect(formatInstant(Date.UTC(2026, 11, 1, 14, 40, 2))).toBe('2026-12-01T14:40:02Z');
    expect(formatInstant('not a date')).toBe('-');
  });
});
