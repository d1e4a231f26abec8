import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Fleet, type MembershipChange } from '../../../../bridge/fleet/fleet.js';
import type { StateChange } from '../../../../bridge/fleet/upstream-events.js';
import type { UpstreamSpecInput } from '../../../../bridge/fleet/upstream-spec.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../../core/errors.js';
import { FakeUpstreams } from './fake-upstreams.js';

const spec = (name: string, extra: Partial<UpstreamSpecInput> = {}): UpstreamSpecInput =>
  ({
    name,
    transport: 'stdio',
    command: 'fake',
    pingIntervalMs: 0,
    restart: { initialDelayMs: 100, maxDelayMs: 1000, crashLoop: { maxRestarts: 2 } },
    ...extra,
  }) as UpstreamSpecInput;

let fakes: FakeUpstreams;
let fleet: Fleet;

beforeEach(() => {
  vi.useFakeTimers();
  fakes = new FakeUpstreams();
  fleet = new Fleet({ createTransport: fakes.factory, random: () => 0.5, killOnExit: false });
});

afterEach(async () => {
  await fleet.stop();
  vi.useRealTimers();
});

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('Fleet', () => {
  it('adds upstreams, starts them, and lists them by name with their state', async () => {
    const membership: MembershipChange[] = [];
    fleet.on('membership', (change) => membership.push(change));
    await fleet.add(spec('b'));
    await fleet.add(spec('a'));
    await flush();
    expect(
      fleet.list().map(({ name, state, restarts, transport }) => ({ name, state, restarts, transport })),
    ).toEqual([
      { name: 'a', state: 'ready', restarts: 0, transport: 'stdio' },
      { name: 'b', state: 'ready', restarts: 0, transport: 'stdio' },
    ]);
    expect(membership.map(({ name, change }) => `${name} ${change}`)).toEqual(['b added', 'a added']);
    expect((await fleet.require('a').callTool('echo', { text: 'x' })).content).toEqual([
      { type: 'text', text: 'x' },
    ]);
  });

  it('refuses a second upstream of the same name, an invalid spec, and unknown names', async () => {
    await fleet.add(spec('a'));
    await expect(fleet.add(spec('a'))).rejects.toBeInstanceOf(ConflictError);
    await expect(fleet.add({ name: 'bad', transport: 'stdio', command: '' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(fleet.remove('nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(() => fleet.require('nope')).toThrow("upstream 'nope' does not exist");
    expect(fleet.get('nope')).toBeUndefined();
  });

  it('re-emits every upstream state change with the server name', async () => {
    const changes: StateChange[] = [];
    fleet.on('state', (change) => changes.push(change));
    await fleet.add(spec('a'));
    await fleet.add(spec('b'));
    await flush();
    expect(changes.map((change) => `${change.name}:${change.to}`).sort()).toEqual([
      'a:ready',
      'a:starting',
      'b:ready',
      'b:starting',
    ]);
  });

  it('replace() restarts only the changed upstream and leaves an unchanged one alone', async () => {
    const membership: MembershipChange[] = [];
    fleet.on('membership', (change) => membership.push(change));
    await fleet.add(spec('a'));
    await fleet.add(spec('b'));
    await flush();
    const b = fleet.require('b');

    expect(await fleet.replace(spec('b'))).toBe(b);
    expect(fakes.of('b')).toHaveLength(1);

    const a2 = await fleet.replace(spec('a', { callTimeoutMs: 1234 }));
    await flush();
    expect(a2.spec.callTimeoutMs).toBe(1234);
    expect(fleet.require('a')).toBe(a2);
    expect(fakes.of('a')).toHaveLength(2);
    expect(fakes.of('a')[0]?.closed).toBe(true);
    expect(fakes.of('b')).toHaveLength(1);
    expect(b.state).toBe('ready');
    expect(membership.at(-1)).toMatchObject({ name: 'a', change: 'replaced' });
    expect(a2.state).toBe('ready');
  });

  it('remove() stops the upstream and forgets it', async () => {
    const changes: StateChange[] = [];
    fleet.on('state', (change) => changes.push(change));
    await fleet.add(spec('a'));
    await flush();
    await fleet.remove('a');
    expect(fleet.get('a')).toBeUndefined();
    expect(fleet.list()).toEqual([]);
    expect(fakes.last('a').closed).toBe(true);
    expect(changes.at(-1)).toMatchObject({ name: 'a', to: 'stopped', reason: 'removed from the fleet' });
  });

  it('fails open: an upstream in a crash loop leaves the others serving', async () => {
    await fleet.add(spec('good'));
    fakes.mode = 'exit';
    await fleet.add(spec('bad'));
    await vi.advanceTimersByTimeAsync(100 + 200 + 400);
    fakes.mode = 'ok';
    expect(fleet.require('bad').state).toBe('crash-loop');
    await expect(fleet.require('bad').callTool('echo', { text: 'x' })).rejects.toThrow(
      /upstream 'bad' is unavailable \(state crash-loop/,
    );
    expect(fleet.require('good').state).toBe('ready');
    expect((await fleet.require('good').callTool('echo', { text: 'fine' })).content).toEqual([
      { type: 'text', text: 'fine' },
    ]);
  });

  it('stop() stops every upstream and keeps them listed as stopped', async () => {
    await fleet.add(spec('a'));
    await fleet.add(spec('b'));
    await flush();
    await fleet.stop();
    expect(fleet.list().map((row) => row.state)).toEqual(['stopped', 'stopped']);
    expect(fakes.spawned.every((fake) => fake.closed)).toBe(true);
  });

  it('a fleet listener that throws does not reach the upstreams', async () => {
    fleet.on('state', () => {
      throw new Error('bad listener');
    });
    await fleet.add(spec('a'));
    await flush();
    expect(fleet.require('a').state).toBe('ready');
  });
});
