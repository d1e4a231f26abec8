import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  decisionPath,
  formatApprovals,
  formatDecision,
  registerApproveCommand,
  registerRejectCommand,
} from '../../../../app/commands/approve-command.js';

describe('switchyard approve and reject', () => {
  it('posts to the run’s approve or reject route, the id escaped', () => {
    expect(decisionPath('run-1', 'approve')).toBe('/v1/runs/run-1/approve');
    expect(decisionPath('a/b', 'reject')).toBe('/v1/runs/a%2Fb/reject');
  });

  it('registers approve and reject with a required run argument', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerApproveCommand(program);
    registerRejectCommand(program);
    expect(program.commands.map((c) => c.name())).toEqual(['approve', 'reject']);
    await expect(program.parseAsync(['approve'], { from: 'user' })).rejects.toThrow(
      /missing required argument 'run'/,
    );
  });

  it('prints the decision in a line, with who decided and why', () => {
    const record = { id: 'ap-1', runId: 'run-1', what: 'finish', why: 'the test asks', state: 'approved' };
    expect(formatDecision({ ...record, decidedBy: 'alice', reason: 'looks fine' })).toBe(
      'approved run run-1: finish (by alice: looks fine)\n',
    );
    expect(formatDecision({ ...record, state: 'rejected', decidedBy: 'bob' })).toBe(
      'rejected run run-1: finish (by bob)\n',
    );
  });

  it('lists pending approvals as a table, or says none wait', () => {
    expect(formatApprovals([])).toBe('no approvals wait for a decision\n');
    expect(
      formatApprovals([
        {
          id: 'ap-1',
          runId: 'run-1',
          what: 'call crm__update_account',
          why: 'matches crm__update_*',
          state: 'pending',
          requestedAt: '2026-12-01T10:00:00Z',
        },
      ]),
    ).toBe(
      'RUN    STATE    REQUESTED             WHAT                      WHY\n' +
        'run-1  pending  2026-12-01T10:00:00Z  call crm__update_account  matches crm__update_*\n',
    );
  });
});
