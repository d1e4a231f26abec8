import { describe, expect, it } from 'vitest';
import {
  failedPath,
  formatFailed,
  formatRetried,
  retryPath,
} from '../../../../app/commands/tasks-command.js';

describe('switchyard tasks failed and retry', () => {
  it('prints dead letters as a table: a run that never started says so, reasons on one line', () => {
    const text = formatFailed([
      {
        runId: 'run-1',
        agent: 'broken',
        attemptsMade: 3,
        failedReason: "run 'run-1' failed:\n  the tool is gone",
        finishedAt: '2026-12-01T10:00:05.120Z',
        status: 'failed',
      },
      { runId: 'run-22', agent: 'gated', attemptsMade: 1, failedReason: null, status: null },
    ]);
    expect(text.split('\n')).toEqual([
      'RUN     AGENT   ATTEMPTS  FAILED                RUN STATUS   REASON',
      "run-1   broken  3         2026-12-01T10:00:05Z  failed       run 'run-1' failed: the tool is gone",
      'run-22  gated   1         -                     not started  -',
      '',
    ]);
  });

  it('says so when there are no dead letters', () => {
    expect(formatFailed([])).toBe('no failed tasks\n');
  });

  it('prints the retried task with its queue state, and the run status once there is one', () => {
    expect(formatRetried({ runId: 'r-1', agent: 'gated', state: 'waiting', status: null, events: [] })).toBe(
      'retried run r-1 (gated): waiting\n',
    );
    expect(formatRetried({ runId: 'r-2', state: 'active', status: 'running', events: [] })).toBe(
      'retried run r-2: active, run running\n',
    );
  });

  it('asks for the limit and escapes the run id in the path', () => {
    expect(failedPath(7)).toBe('/v1/tasks/failed?limit=7');
    expect(retryPath('a/b c')).toBe('/v1/tasks/a%2Fb%20c/retry');
  });
});
