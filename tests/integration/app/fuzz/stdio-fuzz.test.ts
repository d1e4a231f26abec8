// Fuzzing `switchyard mcp` over stdio (the issue: malformed and hostile input at the JSON-RPC fronts).
// Ten thousand seeded inputs go to a real process's stdin; every stdout line is checked, every
// request the SDK accepts must get exactly one answer within a deadline, and the process must
// serve a normal client afterwards. What "accepted" means is the SDK's own: its stdio transport
// parses each line with JSON.parse and JSONRPCMessageSchema and drops (reports to onerror, never
// answers) any line that fails, including parse errors, so those are owed no answer and must get none.
import {
  CallToolResultSchema,
  InitializeResultSchema,
  JSONRPCMessageSchema,
  ListToolsResultSchema,
} from '@modelcontextprotocol/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BridgeProcess,
  describeErrorLogs,
  ENTRY,
  FUZZ_INPUTS,
  FuzzTally,
  fuzzSeed,
  startStdio,
} from '../../../support/fuzz-bridge.js';
import {
  classifyMessage,
  describeBytes,
  duplicateRequests,
  type Family,
  hostilePayload,
  idKey,
} from '../../../support/hostile-json-rpc.js';

/** How long the first answer may take: the bridge starts (migrations, the fleet) before it reads stdin. */
const STARTUP_MS = 90_000;
/** Each request must be answered within this; a miss is a hang. */
const DEADLINE_MS = 10_000;
/** Requests in flight at once (the rest of the input waits), so a deadline measures the server. */
const MAX_IN_FLIGHT = 32;

const RESULT_SCHEMAS: Record<string, { safeParse(value: unknown): { success: boolean } }> = {
  'tools/call': CallToolResultSchema,
  'tools/list': ListToolsResultSchema,
  initialize: InitializeResultSchema,
};

interface Expected {
  method: string;
  deadline: number;
  input: string;
}

type Message = Record<string, unknown>;

/**
 * The fuzzer's end of the pipe: writes bytes, mirrors the SDK's line splitting to know which
 * requests are owed an answer, and checks every line the bridge writes back.
 */
class StdioWire {
  readonly tally = new FuzzTally();
  /** Requests owed an answer, by id (duplicate ids queue up). */
  private readonly owed = new Map<string, Expected[]>();
  private owedCount = 0;
  /** Ids owed answers to different methods at once: an answer cannot be told which it is. */
  private readonly mixed = new Set<string>();
  /** Ids whose deadline passed: a later answer is counted, not failed twice. */
  private readonly late = new Map<string, number>();
  /** What was written since the last newline, as the SDK's ReadBuffer holds it. */
  private partial = Buffer.alloc(0);
  private stdoutRest = Buffer.alloc(0);
  private readonly waiters = new Map<string, (message: Message) => void>();
  private wake: (() => void) | undefined;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly bridge: BridgeProcess) {
    bridge.child.stdout!.on('data', (chunk: Buffer) => this.onStdout(chunk));
    // A process that stopped reading (or exited) makes writes fail with EPIPE: the crash check
    // reports that, and the test process must not die of an unhandled 'error'.
    bridge.child.stdin!.on('error', (error) =>
      this.tally.add(`stdin ${(error as NodeJS.ErrnoException).code ?? 'error'}`),
    );
    this.sweeper = setInterval(() => this.sweep(), 250);
  }

  get inFlight(): number {
    return this.owedCount;
  }

  /** Writes `bytes` as input `label`, and records every request it completes as owed an answer. */
  async write(bytes: Buffer, label: string): Promise<void> {
    this.mirror(bytes, label);
    if (!this.bridge.child.stdin!.write(bytes)) await this.drainOrExit();
  }

  /** Resolves once fewer than `limit` requests are in flight (or the process is gone). */
  async below(limit: number): Promise<void> {
    while (this.owedCount >= limit && this.bridge.running()) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  /** A request of the test's own (not fuzz input): resolves with its answer. */
  async call(id: string, method: string, params?: unknown, timeoutMs = DEADLINE_MS): Promise<Message> {
    const answer = new Promise<Message>((resolve, reject) => {
      const onExit = () =>
        reject(
          new Error(
            `the bridge exited before answering ${method}:\n${this.bridge.stderrTail().slice(-2000)}`,
          ),
        );
      const timer = setTimeout(() => {
        this.bridge.child.off('exit', onExit);
        reject(new Error(`no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.bridge.child.once('exit', onExit);
      this.waiters.set(idKey(id), (message) => {
        clearTimeout(timer);
        this.bridge.child.off('exit', onExit);
        resolve(message);
      });
    });
    // Not awaited: a process that stopped reading must fail the call by its deadline, not block it.
    void this.write(
      Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`),
      `test ${method}`,
    );
    return answer;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private mirror(bytes: Buffer, label: string): void {
    this.partial = Buffer.concat([this.partial, bytes]);
    for (let end = this.partial.indexOf(10); end !== -1; end = this.partial.indexOf(10)) {
      // Decoded and trimmed exactly as the SDK's ReadBuffer.readMessage does.
      const line = this.partial.toString('utf8', 0, end).replace(/\r$/, '');
      this.partial = this.partial.subarray(end + 1);
      const classified = classifyMessage(line);
      const key = classified.kind === 'request' ? idKey(classified.id) : '';
      // The test's own requests are answered to their waiter, not counted.
      if (this.waiters.has(key)) continue;
      this.tally.add(`line:${classified.kind}`);
      if (classified.kind !== 'request') continue;
      const queue = this.owed.get(key) ?? [];
      if (queue.some((other) => other.method !== classified.method)) this.mixed.add(key);
      queue.push({ method: classified.method, deadline: Date.now() + DEADLINE_MS, input: label });
      this.owed.set(key, queue);
      this.owedCount += 1;
    }
  }

  private onStdout(chunk: Buffer): void {
    this.stdoutRest = Buffer.concat([this.stdoutRest, chunk]);
    for (let end = this.stdoutRest.indexOf(10); end !== -1; end = this.stdoutRest.indexOf(10)) {
      const line = this.stdoutRest.toString('utf8', 0, end);
      this.stdoutRest = this.stdoutRest.subarray(end + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.tally.fail('a stdout line is not JSON', JSON.stringify(line.slice(0, 300)));
      return;
    }
    if (!JSONRPCMessageSchema.safeParse(value).success) {
      this.tally.fail('a stdout line is not a JSON-RPC message', line.slice(0, 300));
      return;
    }
    const message = value as Message;
    if ('method' in message && 'id' in message) return this.answerServerRequest(message);
    if ('method' in message) return this.tally.add('notifications');
    const key = idKey(message.id);
    const waiter = this.waiters.get(key);
    if (waiter) {
      this.waiters.delete(key);
      return waiter(message);
    }
    const queue = this.owed.get(key);
    const expected = queue?.shift();
    if (!expected) {
      const late = this.late.get(key) ?? 0;
      if (late > 0) {
        this.late.set(key, late - 1);
        return this.tally.add('late answers');
      }
      return this.tally.fail('an answer to no request owed one', line.slice(0, 300));
    }
    const ambiguous = this.mixed.has(key);
    if (queue!.length === 0) {
      this.owed.delete(key);
      this.mixed.delete(key);
    }
    this.owedCount -= 1;
    this.wake?.();
    if ('error' in message) return this.tally.add('errors');
    this.tally.add('results');
    // A result is checked against its method's schema when the id names one method only.
    const schema = RESULT_SCHEMAS[expected.method];
    if (schema && !ambiguous && !schema.safeParse(message.result).success)
      this.tally.fail(`a ${expected.method} result does not match its schema`, line.slice(0, 300));
  }

  /** The bridge may ask the client things (roots, sampling): answered, so nothing waits on the fuzzer. */
  private answerServerRequest(message: Message): void {
    this.tally.add('server requests');
    const reply =
      message.method === 'ping'
        ? { jsonrpc: '2.0', id: message.id, result: {} }
        : {
            jsonrpc: '2.0',
            id: message.id,
            error: { code: -32601, message: 'the fuzz client serves nothing' },
          };
    // Through the mirror: a reply written after a torn line joins that line, for the SDK as here.
    void this.write(Buffer.from(`${JSON.stringify(reply)}\n`), `reply to ${String(message.method)}`);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, queue] of this.owed) {
      while (queue.length > 0 && queue[0]!.deadline < now) {
        const missed = queue.shift()!;
        this.owedCount -= 1;
        this.late.set(key, (this.late.get(key) ?? 0) + 1);
        this.tally.add('hangs');
        this.tally.fail(
          `no answer within ${DEADLINE_MS} ms`,
          `${missed.method} id ${key} from ${missed.input}`,
        );
      }
      if (queue.length === 0) {
        this.owed.delete(key);
        this.mixed.delete(key);
      }
    }
    this.wake?.();
  }

  private drainOrExit(): Promise<void> {
    return new Promise((resolve) => {
      const stdin = this.bridge.child.stdin!;
      // Gone already: nothing will drain, and 'exit' was emitted before this listened.
      if (stdin.destroyed || !this.bridge.running()) return resolve();
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        this.bridge.child.off('exit', done);
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
      this.bridge.child.on('exit', done);
    });
  }
}

/** One input: a payload and how its line ends (none: it runs into the next input, as a torn write would). */
const stdioInput: fc.Arbitrary<{ family: Family; bytes: Buffer }> = fc.oneof(
  {
    weight: 24,
    arbitrary: fc
      .tuple(hostilePayload, fc.constantFrom('\n', '\n', '\n', '\n', '\n', '\r\n', '\n\n', '', '\r', ' \n'))
      .map(([payload, ending]) => ({
        family: payload.family,
        bytes: Buffer.concat([payload.bytes, Buffer.from(ending)]),
      })),
  },
  {
    weight: 1,
    arbitrary: duplicateRequests.map((lines) => ({
      family: 'duplicate-ids' as const,
      bytes: Buffer.from(`${lines.join('\n')}\n`),
    })),
  },
);

describe('switchyard mcp under hostile stdin', () => {
  let bridge: BridgeProcess;
  let wire: StdioWire;
  beforeAll(async () => {
    bridge = startStdio('stdio');
    wire = new StdioWire(bridge);
    const init = await wire.call(
      'fuzz-initialize',
      'initialize',
      {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'stdio-fuzz', version: '1' },
      },
      // The first answer waits for the bridge to start (migrations, the fleet): longer on a loaded machine.
      STARTUP_MS,
    );
    expect(init.result, bridge.stderrTail()).toMatchObject({ serverInfo: { name: 'switchyard' } });
    await wire.write(
      Buffer.from('{"jsonrpc":"2.0","method":"notifications/initialized"}\n'),
      'test initialized',
    );
  }, 120_000);
  afterAll(async () => {
    wire?.close();
    await bridge?.stop();
  });

  it(`answers every request among ${FUZZ_INPUTS} hostile inputs once, writes only JSON-RPC, and still serves tools`, async () => {
    const seed = fuzzSeed();
    const inputs = fc.sample(stdioInput, { seed, numRuns: FUZZ_INPUTS });
    const families = new FuzzTally();
    const started = Date.now();
    for (const [index, input] of inputs.entries()) {
      families.add(input.family);
      await wire.below(MAX_IN_FLIGHT);
      if (!bridge.running()) break;
      await wire.write(input.bytes, `input #${index} (${input.family}) ${describeBytes(input.bytes)}`);
    }
    // The last input may have left a line open: end it, so the mirror and the SDK agree.
    await wire.write(Buffer.from('\n'), 'final newline');
    const settleBy = Date.now() + DEADLINE_MS + 1000;
    while (wire.inFlight > 0 && Date.now() < settleBy && bridge.running()) await wire.below(1);

    const crashes = bridge.running() ? 0 : 1;
    const { tally } = wire;
    const owed = tally.get('line:request');
    console.log(
      `fuzz stdio: ${inputs.length} inputs, ${tally.get('errors')} error answers, ${tally.get('results')} results, ` +
        `${crashes} crashes, ${tally.get('hangs')} hangs, seed=${seed} ` +
        `(${owed} requests owed an answer, ${tally.get('line:dropped')} lines dropped unanswered by the SDK, ` +
        `${tally.get('line:notification')} notifications, ${tally.get('line:response')} stray responses, ` +
        `${tally.get('notifications')} notifications and ${tally.get('server requests')} requests from the bridge; ` +
        `${ENTRY}; ${Math.round((Date.now() - started) / 1000)} s)`,
    );
    console.log(`fuzz stdio families: ${JSON.stringify(Object.fromEntries(families.counts))}`);
    console.log(`fuzz stdio: error logs of the bridge: ${describeErrorLogs(bridge.errorLogs())}`);
    if (tally.failureCount > 0) console.log(`fuzz stdio failures (seed=${seed}):\n${tally.failureReport()}`);

    expect(crashes, `the bridge exited (seed=${seed}):\n${bridge.stderrTail().slice(-3000)}`).toBe(0);
    expect(inputs.length).toBeGreaterThanOrEqual(FUZZ_INPUTS);
    expect(tally.get('hangs'), `seed=${seed}`).toBe(0);
    expect(tally.failureReport(), `seed=${seed}`).toBe('');
    // Every request owed an answer got exactly one: an error or a result.
    expect(tally.get('errors') + tally.get('results')).toBe(owed);
    // The generators reach every outcome, so the counts above could have come out otherwise.
    expect(owed).toBeGreaterThan(1000);
    expect(tally.get('errors')).toBeGreaterThan(100);
    expect(tally.get('line:dropped')).toBeGreaterThan(1000);

    // A normal client's calls still work.
    const list = await wire.call('fuzz-after-list', 'tools/list', {});
    const tools = ListToolsResultSchema.parse(list.result).tools.map((tool) => tool.name);
    expect(tools).toEqual(expect.arrayContaining(['memory__read_graph', 'memory__search_nodes']));
    const call = await wire.call('fuzz-after-call', 'tools/call', {
      name: 'memory__read_graph',
      arguments: {},
    });
    const result = CallToolResultSchema.parse(call.result);
    expect(result.isError ?? false).toBe(false);
    expect(result.structuredContent).toMatchObject({
      entities: expect.any(Array),
      relations: expect.any(Array),
    });
    expect(bridge.running()).toBe(true);
  }, 240_000);
});

describe('switchyard mcp given one line longer than the SDK read buffer', () => {
  let bridge: BridgeProcess;
  afterAll(async () => {
    await bridge?.stop();
  });

  // The SDK's StdioServerTransport keeps at most 10 MiB of an unfinished line (ReadBuffer's
  // maxBufferSize); past it the transport reports an error and closes itself.
  it('drops an 11 MiB line and goes on answering', async () => {
    bridge = startStdio('stdio-huge');
    const wire = new StdioWire(bridge);
    try {
      const init = await wire.call(
        'huge-initialize',
        'initialize',
        {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'stdio-fuzz', version: '1' },
        },
        // The first answer waits for the bridge to start (migrations, the fleet): longer on a loaded machine.
        STARTUP_MS,
      );
      expect(init.result, bridge.stderrTail()).toMatchObject({ serverInfo: { name: 'switchyard' } });
      const huge = `{"jsonrpc":"2.0","id":"huge","method":"ping","params":{"x":"${'a'.repeat(11 * 1024 * 1024)}"}}\n`;
      await wire.write(Buffer.from(huge), 'an 11 MiB ping');
      const ping = await wire
        .call('after-huge', 'ping')
        .catch((error: unknown) => ({ failed: String(error) }));
      expect(
        bridge.running(),
        `the bridge exited (code ${bridge.child.exitCode}, ping: ${JSON.stringify(ping)}):\n${bridge.stderrTail().slice(-2000)}`,
      ).toBe(true);
      expect(ping).toMatchObject({ result: {} });
    } finally {
      wire.close();
    }
  }, 60_000);
});
