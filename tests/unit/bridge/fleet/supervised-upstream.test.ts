import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SupervisedUpstream,
  type SupervisedUpstreamOptions,
} from '../../../../bridge/fleet/supervised-upstream.js';
import {
  CircuitOpenError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../../../bridge/fleet/upstream-errors.js';
import type { CircuitChange, ListChanged, StateChange } from '../../../../bridge/fleet/upstream-events.js';
import type { UpstreamSpecInput } from '../../../../bridge/fleet/upstream-spec.js';
import { captureLogger } from '../../../support/capture-logger.js';
import { FakeUpstreams } from './fake-upstreams.js';

// Supervision logic against in-memory upstreams under fake timers: every delay below is virtual.

const base = {
  name: 'crm',
  transport: 'stdio',
  command: 'fake',
  pingIntervalMs: 0,
  restart: {
    initialDelayMs: 1000,
    maxDelayMs: 8000,
    jitter: 0.2,
    crashLoop: { maxRestarts: 3, windowMs: 60_000 },
  },
} satisfies UpstreamSpecInput;

let fakes: FakeUpstreams;
let upstream: SupervisedUpstream | undefined;

beforeEach(() => {
  vi.useFakeTimers();
  fakes = new FakeUpstreams();
});

afterEach(async () => {
  await upstream?.stop();
  upstream = undefined;
  vi.useRealTimers();
});

function supervise(overrides: Partial<UpstreamSpecInput> = {}, options: SupervisedUpstreamOptions = {}) {
  upstream = new SupervisedUpstream({ ...base, ...overrides } as UpstreamSpecInput, {
    createTransport: fakes.factory,
    random: () => 0.5,
    ...options,
  });
  const changes: StateChange[] = [];
  upstream.on('state', (change) => changes.push(change));
  return { upstream, changes };
}

const flush = () => vi.advanceTimersByTimeAsync(0);
const transitions = (changes: StateChange[]) => changes.map((change) => `${change.from}>${change.to}`);

describe('SupervisedUpstream', () => {
  it('starts, becomes ready, and announces each state with its name, reason and time', async () => {
    const { upstream, changes } = supervise();
    await upstream.start();
    expect(upstream.state).toBe('ready');
    expect(transitions(changes)).toEqual(['stopped>starting', 'starting>ready']);
    expect(changes[0]).toMatchObject({ name: 'crm', reason: 'spawning fake', at: Date.now() });
    const result = await upstream.callTool('echo', { text: 'hi' });
    expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(upstream.info()).toMatchObject({
      name: 'crm',
      transport: 'stdio',
      state: 'ready',
      restarts: 0,
      circuit: 'closed',
    });
  });

  it('fails a call at once while it is not ready, naming the server and its state', async () => {
    fakes.mode = 'hang';
    const { upstream } = supervise({ startupTimeoutMs: 5000 });
    const started = upstream.start();
    await flush();
    const call = upstream.callTool('echo', { text: 'x' });
    await expect(call).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(call).rejects.toThrow("upstream 'crm' is unavailable (state starting: spawning fake)");
    await expect(call).rejects.toMatchObject({
      code: 'upstream_unavailable',
      details: { server: 'crm', state: 'starting' },
    });
    await vi.advanceTimersByTimeAsync(5000);
    await started;
    expect(upstream.state).toBe('restarting');
    expect(upstream.info().reason).toBe('did not start: no answer to initialize within 5000 ms');
  });

  it('restarts after the process exits, waiting out a backoff delay that doubles and carries jitter', async () => {
    const { upstream, changes } = supervise({}, { random: () => 0.75 });
    await upstream.start();
    fakes.last('crm').exit(null, 'SIGKILL');
    await flush();
    expect(upstream.state).toBe('restarting');
    // 1000 ms, spread by +0.2 · (2 · 0.75 − 1) = +10 %.
    expect(changes.at(-1)).toMatchObject({
      to: 'restarting',
      reason: 'process exited (signal SIGKILL)',
      retryInMs: 1100,
    });
    await vi.advanceTimersByTimeAsync(1099);
    expect(fakes.of('crm')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(upstream.state).toBe('ready');
    expect(fakes.of('crm')).toHaveLength(2);
    expect(upstream.info().restarts).toBe(1);

    fakes.last('crm').exit(1);
    await flush();
    expect(changes.at(-1)).toMatchObject({
      to: 'restarting',
      reason: 'process exited (code 1)',
      retryInMs: 2200,
    });
    await vi.advanceTimersByTimeAsync(2200);
    expect(upstream.state).toBe('ready');
    expect((await upstream.callTool('echo', { text: 'back' })).content).toEqual([
      { type: 'text', text: 'back' },
    ]);
  });

  it('ends in crash-loop after maxRestarts within the window, stops spawning, and leaves it on restart()', async () => {
    fakes.mode = 'exit';
    const { upstream, changes } = supervise();
    await upstream.start();
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    expect(upstream.state).toBe('crash-loop');
    expect(upstream.info()).toMatchObject({
      restarts: 3,
      lastError: expect.stringMatching(/process exited \(code 1\)/),
    });
    expect(changes.at(-1)?.reason).toMatch(
      /3 restarts within 60000 ms \(limit 3\), not restarting until restart\(\) is called/,
    );
    expect(fakes.of('crm')).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(fakes.of('crm')).toHaveLength(4);

    const call = upstream.callTool('echo', { text: 'x' });
    await expect(call).rejects.toThrow(/upstream 'crm' is unavailable \(state crash-loop: /);

    fakes.mode = 'ok';
    await upstream.restart();
    expect(upstream.state).toBe('ready');
    expect(transitions(changes).slice(-2)).toEqual(['crash-loop>restarting', 'restarting>ready']);
  });

  it('goes degraded on a failed ping, back to ready on an answered one, and restarts after maxPingFailures', async () => {
    const { upstream, changes } = supervise({ pingIntervalMs: 1000, pingTimeoutMs: 200, maxPingFailures: 3 });
    await upstream.start();
    const first = fakes.last('crm');
    first.swallow.add('ping');
    await vi.advanceTimersByTimeAsync(1200);
    expect(upstream.state).toBe('degraded');
    expect(upstream.info().reason).toBe('ping failed (1 of 3): no answer within 200 ms');
    // Calls still go through while degraded.
    expect((await upstream.callTool('echo', { text: 'still' })).content).toEqual([
      { type: 'text', text: 'still' },
    ]);

    first.swallow.delete('ping');
    await vi.advanceTimersByTimeAsync(1000);
    expect(upstream.state).toBe('ready');
    expect(changes.at(-1)?.reason).toBe('ping answered again');

    first.swallow.add('ping');
    await vi.advanceTimersByTimeAsync(3 * 1200);
    expect(upstream.state).toBe('restarting');
    expect(upstream.info().reason).toBe('health check failed 3 times in a row: no answer within 200 ms');
    expect(first.closed).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(upstream.state).toBe('ready');
    expect(fakes.of('crm')).toHaveLength(2);
  });

  it("stays stopped after an exit under restart policy 'never'", async () => {
    const { upstream } = supervise({ restart: { policy: 'never' } });
    await upstream.start();
    fakes.last('crm').exit(1);
    await flush();
    expect(upstream.state).toBe('stopped');
    expect(upstream.info().reason).toBe("process exited (code 1); not restarted (restart policy 'never')");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fakes.of('crm')).toHaveLength(1);
  });

  it("restarts under 'on-failure' after a crash but not after a clean exit", async () => {
    const { upstream } = supervise({ restart: { policy: 'on-failure', initialDelayMs: 100 } });
    await upstream.start();
    fakes.last('crm').exit(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(upstream.state).toBe('ready');
    fakes.last('crm').exit(0);
    await flush();
    expect(upstream.state).toBe('stopped');
    expect(upstream.info().reason).toMatch(/code 0.*restart policy 'on-failure'/);
  });

  it('cancels a pending restart on stop()', async () => {
    const { upstream } = supervise();
    await upstream.start();
    fakes.last('crm').exit(1);
    await flush();
    await upstream.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(upstream.state).toBe('stopped');
    expect(fakes.of('crm')).toHaveLength(1);
  });

  it('opens the circuit after failureThreshold timeouts, fails fast, then lets one trial through', async () => {
    const { upstream } = supervise({
      callTimeoutMs: 100,
      circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 5000 },
    });
    const circuit: CircuitChange[] = [];
    upstream.on('circuit', (change) => circuit.push(change));
    await upstream.start();
    for (let i = 0; i < 2; i += 1) {
      const call = upstream.callTool('hang');
      const settled = expect(call).rejects.toBeInstanceOf(UpstreamTimeoutError);
      await vi.advanceTimersByTimeAsync(100);
      await settled;
    }
    expect(upstream.info().circuit).toBe('open');
    // Timed-out requests are cancelled upstream too.
    expect(fakes.last('crm').cancelled).toBe(2);
    await expect(upstream.callTool('echo', { text: 'x' })).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(upstream.callTool('echo', { text: 'x' })).rejects.toThrow(
      "upstream 'crm' is failing fast after 2 consecutive failed calls; a trial call is allowed in 5 s",
    );
    await vi.advanceTimersByTimeAsync(5000);
    const trial = upstream.callTool('echo', { text: 'trial' });
    await expect(upstream.callTool('echo', { text: 'second' })).rejects.toBeInstanceOf(CircuitOpenError);
    expect((await trial).content).toEqual([{ type: 'text', text: 'trial' }]);
    expect(upstream.info().circuit).toBe('closed');
    expect(circuit.map((change) => `${change.from}>${change.to}`)).toEqual([
      'closed>open',
      'open>half-open',
      'half-open>closed',
    ]);
    expect(circuit[0]).toMatchObject({ name: 'crm', failures: 2 });
  });

  it('does not count tool results with isError, or JSON-RPC errors the server answered, as failures', async () => {
    const { upstream } = supervise({ circuitBreaker: { failureThreshold: 2 } });
    await upstream.start();
    for (let i = 0; i < 5; i += 1) expect((await upstream.callTool('fail')).isError).toBe(true);
    for (let i = 0; i < 3; i += 1)
      await expect(upstream.getPrompt({ name: 'nope' })).rejects.toThrow(/nope|not found/i);
    expect(upstream.info().circuit).toBe('closed');
  });

  it('sends notifications/cancelled upstream when the call is aborted, without counting a failure', async () => {
    const { upstream } = supervise({ circuitBreaker: { failureThreshold: 1 } });
    await upstream.start();
    const controller = new AbortController();
    const call = upstream.callTool('hang', {}, { signal: controller.signal });
    await flush();
    controller.abort(new Error('user gave up'));
    await expect(call).rejects.toThrow(/user gave up/);
    await flush();
    expect(fakes.last('crm').cancelled).toBe(1);
    expect(upstream.info().circuit).toBe('closed');
  });

  it('turns list_changed notifications into events', async () => {
    const { upstream } = supervise();
    const events: ListChanged[] = [];
    upstream.on('list_changed', (event) => events.push(event));
    await upstream.start();
    await upstream.callTool('add_tool', { name: 'fresh' });
    await flush();
    expect(events).toEqual([{ name: 'crm', kind: 'tools', at: Date.now() }]);
    const tools = await upstream.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('fresh');
  });

  it('hands every new client to configureClient, with the configured capabilities', async () => {
    const configured: unknown[] = [];
    const { upstream } = supervise(
      {},
      {
        clientCapabilities: { sampling: {} },
        configureClient: (client, owner) => {
          configured.push(owner);
          client.setRequestHandler('sampling/createMessage', async () => ({
            role: 'assistant',
            model: 'test',
            content: { type: 'text', text: `answered by the front of ${owner.name}` },
          }));
        },
      },
    );
    await upstream.start();
    const result = await upstream.callTool('ask');
    expect(result.content).toEqual([{ type: 'text', text: 'answered by the front of crm' }]);
    fakes.last('crm').exit(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(upstream.state).toBe('ready');
    expect(configured).toEqual([upstream, upstream]);
    expect((await upstream.callTool('ask')).content).toEqual([
      { type: 'text', text: 'answered by the front of crm' },
    ]);
  });

  it('logs a listener that throws and keeps supervising and notifying the others', async () => {
    const { logger, lines } = captureLogger();
    const { upstream, changes } = supervise({}, { logger });
    upstream.on('state', () => {
      throw new Error('bad listener');
    });
    const later: StateChange[] = [];
    upstream.on('state', (change) => later.push(change));
    await upstream.start();
    expect(upstream.state).toBe('ready');
    expect(later).toHaveLength(changes.length);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, server: 'crm', msg: 'an upstream event listener threw' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ server: 'crm', event: 'upstream_state', from: 'starting', to: 'ready' }),
    );
  });

  it('waitUntilReady resolves on ready and rejects with the state when it ends in crash-loop', async () => {
    const { upstream } = supervise();
    const ready = upstream.waitUntilReady();
    void upstream.start();
    await expect(ready).rejects.toThrow(/state stopped/);
    await flush();
    await expect(upstream.waitUntilReady()).resolves.toBeUndefined();

    fakes.mode = 'exit';
    fakes.last('crm').exit(1);
    await flush();
    const waiting = upstream.waitUntilReady({ timeoutMs: 60_000 });
    const outcome = expect(waiting).rejects.toThrow(/state crash-loop/);
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    await outcome;
  });
});
