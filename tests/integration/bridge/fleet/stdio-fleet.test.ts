import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import { liveGroupMembers } from '../../../../bridge/fleet/process-group.js';
import type { SupervisedUpstream } from '../../../../bridge/fleet/supervised-upstream.js';
import { UpstreamUnavailableError } from '../../../../bridge/fleet/upstream-errors.js';
import type { StateChange, UpstreamState } from '../../../../bridge/fleet/upstream-events.js';
import type { UpstreamSpecInput } from '../../../../bridge/fleet/upstream-spec.js';
import { captureLogger } from '../../../support/capture-logger.js';

// Real child processes: the fixture server under tsx (a couple of seconds to start on this
// machine, hence the generous startup bounds), real signals, real process groups.

const TSX = import.meta.resolve('tsx');
const FIXTURE = join(import.meta.dirname, '../../../support/fleet-fixture-server.ts');
const READY_MS = 60_000;

function fixture(name: string, extra: Partial<UpstreamSpecInput> = {}): UpstreamSpecInput {
  return {
    name,
    transport: 'stdio',
    command: process.execPath,
    args: ['--import', TSX, FIXTURE],
    startupTimeoutMs: READY_MS,
    killGraceMs: 1000,
    restart: { initialDelayMs: 200, maxDelayMs: 1000, jitter: 0.2 },
    ...extra,
  } as UpstreamSpecInput;
}

/** The fixture with a grandchild in its process group that holds the stdio pipes, as wrappers do. */
function fixtureWithGrandchild(name: string): UpstreamSpecInput {
  return fixture(name, {
    command: 'sh',
    args: ['-c', `sleep 1000 & exec "${process.execPath}" --import "${TSX}" "${FIXTURE}"`],
  });
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function nextState(
  upstream: SupervisedUpstream,
  to: UpstreamState,
  timeoutMs = READY_MS,
): Promise<StateChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${upstream.name} never became ${to}`)), timeoutMs);
    const onState = (change: StateChange) => {
      if (change.to !== to) return;
      clearTimeout(timer);
      upstream.off('state', onState);
      resolve(change);
    };
    upstream.on('state', onState);
  });
}

async function waitForLine(
  lines: Array<Record<string, unknown>>,
  match: (line: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = lines.find(match);
    if (found) return found;
    await sleep(20);
  }
  throw new Error('the expected log line never came');
}

function commandOf(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}

let fleet: Fleet | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('a fleet of stdio upstreams (real processes)', () => {
  it('restarts an upstream after kill -9 within its backoff while calls to another go on unaffected', async () => {
    const { logger, lines } = captureLogger();
    fleet = new Fleet({ logger });
    const a = await fleet.add(fixture('a'));
    const b = await fleet.add(fixture('b'));
    await Promise.all([a.waitUntilReady({ timeoutMs: READY_MS }), b.waitUntilReady({ timeoutMs: READY_MS })]);
    expect(textOf(await a.callTool('echo', { text: 'hello' }))).toBe('hello');

    // The child's stderr reaches the log line by line, tagged with its server's name.
    const oldPid = a.pid!;
    await waitForLine(lines, (line) => line.server === 'a' && line.msg === `fixture up pid=${oldPid}`);
    expect(lines.some((line) => line.server === 'b' && line.msg === `fixture up pid=${oldPid}`)).toBe(false);

    let streaming = true;
    const outcomes: string[] = [];
    const stream = (async () => {
      for (let i = 0; streaming; i += 1) {
        const text = await b
          .callTool('echo', { text: `call ${i}` })
          .then(textOf, (error: unknown) => `error: ${String(error)}`);
        outcomes.push(text === `call ${i}` ? 'ok' : text);
        await sleep(25);
      }
    })();

    const restarting = nextState(a, 'restarting');
    const ready = nextState(a, 'ready');
    await sleep(200);
    process.kill(oldPid, 'SIGKILL');
    const down = await restarting;
    expect(down.reason).toBe('process exited (signal SIGKILL)');
    // Its first restart waits initialDelayMs ± jitter.
    expect(down.retryInMs).toBeGreaterThanOrEqual(160);
    expect(down.retryInMs).toBeLessThanOrEqual(240);
    const refused = await a.callTool('echo', { text: 'x' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UpstreamUnavailableError);
    expect(String(refused)).toMatch(/upstream 'a' is unavailable \(state restarting: process exited/);

    const up = await ready;
    expect(up.at - down.at).toBeGreaterThanOrEqual(down.retryInMs!);
    await sleep(200);
    streaming = false;
    await stream;

    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
    expect(b.info()).toMatchObject({ state: 'ready', restarts: 0 });
    expect(a.info()).toMatchObject({ state: 'ready', restarts: 1 });
    expect(a.pid).not.toBe(oldPid);
    expect(textOf(await a.callTool('whoami'))).toBe(String(a.pid));
  });

  it('ends a command that exits at once in crash-loop, reported, with calls failing clearly', async () => {
    const { logger, lines } = captureLogger();
    fleet = new Fleet({ logger });
    const dies = await fleet.add({
      name: 'dies',
      transport: 'stdio',
      command: process.execPath,
      args: ['-e', 'process.stderr.write("cannot start\\n"); process.exit(3)'],
      restart: { initialDelayMs: 20, maxDelayMs: 100, crashLoop: { maxRestarts: 3, windowMs: 60_000 } },
    });
    await nextState(dies, 'crash-loop', 30_000);
    expect(dies.info()).toMatchObject({
      state: 'crash-loop',
      restarts: 3,
      pid: undefined,
      lastError: 'did not start: process exited (code 3)',
    });
    const call = dies.callTool('anything');
    await expect(call).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(call).rejects.toThrow(
      /^upstream 'dies' is unavailable \(state crash-loop: did not start: process exited \(code 3\); 3 restarts/,
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, server: 'dies', to: 'crash-loop' }));
    expect(lines.filter((line) => line.server === 'dies' && line.msg === 'cannot start')).toHaveLength(4);
    // No more spawning once in crash-loop.
    await sleep(500);
    expect(dies.info().restarts).toBe(3);
  });

  it('leaves no process of the group behind, grandchildren included, after kill -9 and after stop()', async () => {
    fleet = new Fleet();
    const wrapped = await fleet.add(fixtureWithGrandchild('wrapped'));
    await wrapped.waitUntilReady({ timeoutMs: READY_MS });
    const firstGroup = wrapped.pid!;
    const members = liveGroupMembers(firstGroup);
    expect(members.map(commandOf).sort()).toEqual(['node', 'sleep']);

    // The leader dies; the sleep it left holds our pipes. The restart ends it first.
    const ready = nextState(wrapped, 'ready');
    process.kill(firstGroup, 'SIGKILL');
    await ready;
    expect(liveGroupMembers(firstGroup)).toEqual([]);
    const secondGroup = wrapped.pid!;
    expect(secondGroup).not.toBe(firstGroup);
    expect(liveGroupMembers(secondGroup)).toHaveLength(2);

    await fleet.stop();
    // Zombies (orphans a non-reaping PID 1 never collects) are not counted: they are dead.
    expect(liveGroupMembers(secondGroup)).toEqual([]);
    expect(wrapped.info()).toMatchObject({ state: 'stopped', pid: undefined });
  });

  it('sends notifications/cancelled upstream when a call is aborted, and relays list_changed', async () => {
    const { logger, lines } = captureLogger();
    fleet = new Fleet({ logger });
    const slow = await fleet.add(fixture('slow'));
    await slow.waitUntilReady({ timeoutMs: READY_MS });

    const controller = new AbortController();
    const call = slow.callTool('slow', { ms: 60_000 }, { signal: controller.signal });
    const outcome = call.then(
      () => 'resolved',
      (error: unknown) => String(error),
    );
    await waitForLine(lines, (line) => line.server === 'slow' && line.msg === 'slow started');
    controller.abort(new Error('the user gave up'));
    expect(await outcome).toMatch(/the user gave up/);
    const cancelled = await waitForLine(
      lines,
      (line) => line.server === 'slow' && String(line.msg).startsWith('slow cancelled'),
    );
    expect(cancelled.msg).toMatch(/the user gave up/);
    expect(slow.info().circuit).toBe('closed');

    const changed = new Promise((resolve) => fleet?.once('list_changed', resolve));
    await slow.callTool('add_tool', { name: 'late' });
    expect(await changed).toMatchObject({ name: 'slow', kind: 'tools' });
    expect((await slow.listTools()).tools.map((tool) => tool.name)).toContain('late');
  });
});
