import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { liveGroupMembers } from '../../../../bridge/fleet/process-group.js';
import { ProcessGroupTransport } from '../../../../bridge/fleet/process-group-transport.js';

// The stdio transport against small shell commands: cheap real processes, real signals.

let transport: ProcessGroupTransport | undefined;

afterEach(async () => {
  await transport?.close();
  transport = undefined;
});

/** Waits (bounded) until group `pgid` has `count` live members. */
async function membersReach(pgid: number, count: number): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (liveGroupMembers(pgid).length >= count) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

function open(script: string, options: { killGraceMs?: number } = {}) {
  const events = {
    messages: [] as JSONRPCMessage[],
    errors: [] as Error[],
    stderr: [] as string[],
    closes: 0,
  };
  transport = new ProcessGroupTransport({
    command: 'sh',
    args: ['-c', script],
    killGraceMs: options.killGraceMs ?? 200,
    onStderrLine: (line) => events.stderr.push(line),
  });
  transport.onmessage = (message) => events.messages.push(message);
  transport.onerror = (error) => events.errors.push(error);
  transport.onclose = () => (events.closes += 1);
  return { transport, events };
}

describe('ProcessGroupTransport', () => {
  it('reads JSON-RPC lines from stdout, reports other lines as errors, and forwards stderr line by line', async () => {
    const { transport, events } = open(
      'echo "not json"; echo \'{"jsonrpc":"2.0","method":"notifications/hello"}\'; echo "to stderr" >&2; sleep 1000',
    );
    await transport.start();
    const deadline = Date.now() + 5000;
    while ((events.messages.length === 0 || events.stderr.length === 0) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.messages).toEqual([{ jsonrpc: '2.0', method: 'notifications/hello' }]);
    expect(events.errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^not a JSON-RPC message on stdout/),
    ]);
    expect(events.stderr).toEqual(['to stderr']);
  });

  it('escalates to SIGKILL for a group that ignores stdin EOF and SIGTERM, and closes once', async () => {
    // Ignored signals stay ignored across exec: neither sh nor its sleep will die of SIGTERM.
    const { transport, events } = open('trap "" TERM; sleep 1000 & sleep 1000; wait', { killGraceMs: 200 });
    await transport.start();
    const pgid = transport.pid!;
    // sh, then its two sleeps: once they are there, the trap is set too.
    expect(await membersReach(pgid, 3)).toBe(true);
    const started = Date.now();
    await transport.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(transport.exitStatus).toEqual({ code: null, signal: 'SIGKILL' });
    await transport.close();
    expect(events.closes).toBe(1);
  });

  it('ends the rest of the group when the leader exits on its own, then closes', async () => {
    const { transport, events } = open('sleep 1000 & sleep 0.2; exit 4');
    await transport.start();
    const pgid = transport.pid!;
    const deadline = Date.now() + 10_000;
    while (events.closes === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.closes).toBe(1);
    expect(transport.exitStatus).toEqual({ code: 4, signal: null });
    expect(liveGroupMembers(pgid)).toEqual([]);
  });

  it('rejects start() for a command that does not exist, and closes once', async () => {
    const events = { errors: 0, closes: 0 };
    transport = new ProcessGroupTransport({ command: 'switchyard-no-such-command' });
    transport.onerror = () => (events.errors += 1);
    transport.onclose = () => (events.closes += 1);
    await expect(transport.start()).rejects.toMatchObject({ code: 'ENOENT' });
    await transport.close();
    expect(events).toEqual({ errors: 1, closes: 1 });
    await expect(transport.send({ jsonrpc: '2.0', method: 'x' })).rejects.toThrow('Not connected');
  });
});

describe('Fleet exit hook', () => {
  it('kills every child process group when the process exits without stop()', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(import.meta.dirname, '../../../support/fleet-exit-hook-child.ts'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.status).toBe(0);
    const pgid = Number(child.stdout.trim());
    expect(pgid).toBeGreaterThan(0);
    expect(liveGroupMembers(pgid)).toEqual([]);
  });
});
