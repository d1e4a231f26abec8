import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../../../app/commands/api-client.js';
import {
  buildTaskSpec,
  EXIT_AWAITING_APPROVAL,
  EXIT_COMPLETED,
  EXIT_FAILED,
  exitCodeFor,
  finalView,
  followTask,
  formatEventLine,
  isStopped,
  parseJsonInput,
  registerSubmitCommand,
  type TaskEvent,
} from '../../../../app/commands/submit-command.js';

/** A bridge whose GET /v1/tasks/{id} answers come from `replies`, one per request. */
function fakeBridge(replies: unknown[]) {
  const urls: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    urls.push(String(input));
    const body = replies.shift();
    if (body === undefined)
      return new Response('{"error":{"code":"x","message":"no more"}}', { status: 500 });
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return { client: new ApiClient({ baseUrl: 'http://bridge.test', fetch }), urls };
}

const event = (seq: number, type: string, data: Record<string, unknown> = {}) => ({
  seq,
  type,
  data,
  at: '2026-12-01T10:00:00Z',
});

describe('switchyard submit', () => {
  it('parses --input as any JSON value and refuses bad JSON with a message saying how to quote it', () => {
    expect(parseJsonInput('{"by": 2}')).toEqual({ by: 2 });
    expect(parseJsonInput('[1,2]')).toEqual([1, 2]);
    expect(() => parseJsonInput('{by: 2}')).toThrow(/--input is not JSON .*--input '\{"by": 2\}'/);
  });

  it('stops at a bad --input before any request, through the real option parser', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerSubmitCommand(program);
    await expect(
      program.parseAsync(['submit', 'gated', '--input', '{oops', '--url', 'http://127.0.0.1:1'], {
        from: 'user',
      }),
    ).rejects.toThrow(/--input is not JSON/);
    await expect(
      program.parseAsync(['submit', 'gated', '--priority', '0', '--url', 'http://127.0.0.1:1'], {
        from: 'user',
      }),
    ).rejects.toThrow(/from 1 \(highest\)/);
  });

  it('builds the task spec with only the options given', () => {
    expect(buildTaskSpec('gated', { input: { by: 1 } })).toEqual({ agent: 'gated', input: { by: 1 } });
    expect(buildTaskSpec('gated', { input: {}, priority: 3, idempotencyKey: 'k' })).toEqual({
      agent: 'gated',
      input: {},
      priority: 3,
      idempotencyKey: 'k',
    });
  });

  it('prints an event as one progress line naming what happened', () => {
    expect(formatEventLine(event(4, 'tool_call_started', { tool: 'crm__get_account', arguments: {} }))).toBe(
      '  #4 tool_call_started crm__get_account\n',
    );
    expect(formatEventLine(event(2, 'state_entered', { state: { review: 'compliance' } }))).toBe(
      '  #2 state_entered {"review":"compliance"}\n',
    );
    expect(formatEventLine(event(9, 'run_failed', { error: { code: 'x', message: 'boom\nagain' } }))).toBe(
      '  #9 run_failed boom again\n',
    );
    expect(formatEventLine(event(1, 'run_started'))).toBe('  #1 run_started\n');
    expect(formatEventLine(event(5, 'tool_call_finished', { tool: 'lookup', isError: true }))).toBe(
      '  #5 tool_call_finished lookup (error)\n',
    );
  });

  it('exits 0 when completed, 3 when awaiting approval, 1 otherwise', () => {
    expect(exitCodeFor({ status: 'completed' })).toBe(EXIT_COMPLETED);
    expect(exitCodeFor({ status: 'awaiting_approval' })).toBe(EXIT_AWAITING_APPROVAL);
    expect(EXIT_AWAITING_APPROVAL).toBe(3);
    for (const status of ['failed', 'cancelled', 'needs_attention', null])
      expect(exitCodeFor({ status })).toBe(EXIT_FAILED);
  });

  it('stops following at a stop status, or a task that failed before its run started', () => {
    expect(isStopped({ state: 'active', status: 'running' })).toBe(false);
    expect(isStopped({ state: 'waiting', status: null })).toBe(false);
    expect(isStopped({ state: 'completed', status: 'awaiting_approval' })).toBe(true);
    expect(isStopped({ state: 'failed', status: null })).toBe(true);
  });

  it('follows a task with afterSeq, handing each event over once, until the run stops', async () => {
    const { client, urls } = fakeBridge([
      { runId: 'r-1', state: 'waiting', status: null, events: [] },
      {
        runId: 'r-1',
        state: 'active',
        status: 'running',
        events: [event(1, 'run_started'), event(2, 'state_entered', { state: 'adding' })],
      },
      // A bridge that repeats an event already seen must not print it twice.
      {
        runId: 'r-1',
        state: 'active',
        status: 'running',
        events: [
          event(2, 'state_entered', { state: 'adding' }),
          event(3, 'tool_call_started', { tool: 'add' }),
        ],
      },
      {
        runId: 'r-1',
        state: 'completed',
        status: 'completed',
        result: { sum: 3 },
        cost: { costUsd: 0 },
        events: [event(4, 'run_completed')],
      },
    ]);
    const seen: TaskEvent[] = [];
    let sleeps = 0;
    const final = await followTask(client, 'r-1', {
      pollMs: 10,
      onEvent: (e) => seen.push(e),
      sleep: async () => {
        sleeps += 1;
      },
    });
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(urls).toEqual([
      'http://bridge.test/v1/tasks/r-1?afterSeq=0',
      'http://bridge.test/v1/tasks/r-1?afterSeq=0',
      'http://bridge.test/v1/tasks/r-1?afterSeq=2',
      'http://bridge.test/v1/tasks/r-1?afterSeq=3',
    ]);
    expect(sleeps).toBe(3);
    expect(finalView(final)).toEqual({
      runId: 'r-1',
      status: 'completed',
      result: { sum: 3 },
      error: null,
      cost: { costUsd: 0 },
    });
    expect(exitCodeFor(final)).toBe(0);
  });
});
