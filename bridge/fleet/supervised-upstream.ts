import { EventEmitter } from 'node:events';
import type {
  Client,
  CallToolResult,
  ClientCapabilities,
  CompleteRequest,
  GetPromptRequest,
  Implementation,
  ListPromptsRequest,
  ListResourcesRequest,
  ListResourceTemplatesRequest,
  ListToolsRequest,
  LoggingLevel,
  ReadResourceRequest,
  SubscribeRequest,
  UnsubscribeRequest,
} from '@modelcontextprotocol/client';
import { type Logger, silentLogger, type Clock, systemClock, type TimerHandle } from '#core';
import { backoffDelay } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CrashLoopDetector } from './crash-loop-detector.js';
import { HealthCheck } from './health-check.js';
import { RequestGate, type UpstreamRequestOptions } from './request-gate.js';
import { signalGroup } from './process-group.js';
import { UpstreamConnection } from './upstream-connection.js';
import { classifyFailure, errorMessage, UpstreamUnavailableError } from './upstream-errors.js';
import {
  acceptsCalls,
  type StateChange,
  type UpstreamEvents,
  type UpstreamInfo,
  type UpstreamState,
} from './upstream-events.js';
import { parseUpstreamSpec, type UpstreamSpec, type UpstreamSpecInput } from './upstream-spec.js';
import { createUpstreamTransport, describeExit, type TransportFactory } from './upstream-transport.js';

export interface SupervisedUpstreamOptions {
  /** Gets a child bound to `{ server: <name> }`. @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** The jitter's random source, values in [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** How the bridge introduces itself in `initialize`. @defaultValue { name: 'switchyard', version: '0.1.0' } */
  clientInfo?: Implementation;
  /** Capabilities the client declares (e.g. `sampling`, `elicitation` when the front relays them). @defaultValue {} */
  clientCapabilities?: ClientCapabilities;
  /**
   * Called with every new SDK client (the first and one per restart) before it connects: the
   * place to register request handlers (sampling, elicitation, roots) and notification handlers
   * (logging messages, resources/updated). The list_changed handlers are set after it and surface
   * as `list_changed` events. @defaultValue none
   */
  configureClient?: (client: Client, upstream: SupervisedUpstream) => void;
  /** @defaultValue createUpstreamTransport (process group over stdio, Streamable HTTP) */
  createTransport?: TransportFactory;
}

export interface CallToolOptions extends UpstreamRequestOptions {
  /** `_meta` sent with the call (the SDK adds the progress token to it). */
  meta?: Record<string, unknown>;
}

const DEFAULT_CLIENT_INFO: Implementation = { name: 'switchyard', version: '0.1.0' };

/**
 * One upstream MCP server under supervision: one SDK client, health pings, restarts with
 * backoff and jitter, crash-loop detection and a circuit breaker. It never throws at its owner
 * for the upstream's sake: failures are states (`state` events, logs), and calls made while it
 * cannot take them fail at once with an error naming the server and its state.
 *
 * Every connection attempt has a generation; whatever a replaced connection reports afterwards
 * (its close, its errors, a late ping) is ignored, so an old process can never move the state.
 */
export class SupervisedUpstream extends EventEmitter<UpstreamEvents> {
  readonly spec: UpstreamSpec;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly createTransport: TransportFactory;
  private readonly crashLoop: CrashLoopDetector;
  private readonly breaker: CircuitBreaker;
  private readonly health: HealthCheck;
  private readonly gate: RequestGate;

  private _state: UpstreamState = 'stopped';
  private reason = 'not started';
  private since: number;
  private restarts = 0;
  private lastError: string | undefined;
  private generation = 0;
  private connection: UpstreamConnection | undefined;
  private restartTimer: TimerHandle | undefined;
  /** Connections being closed (their processes being ended); stop() waits for them. */
  private readonly closing = new Map<UpstreamConnection, Promise<void>>();

  constructor(
    spec: UpstreamSpecInput | UpstreamSpec,
    private readonly options: SupervisedUpstreamOptions = {},
  ) {
    super();
    this.spec = parseUpstreamSpec(spec);
    this.log = (options.logger ?? silentLogger).child({ server: this.spec.name });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.createTransport = options.createTransport ?? createUpstreamTransport;
    this.since = this.clock.now();
    this.crashLoop = new CrashLoopDetector(this.spec.restart.crashLoop);
    this.breaker = new CircuitBreaker({
      ...this.spec.circuitBreaker,
      now: () => this.clock.now(),
      onChange: (from, to, failures) => {
        const level = to === 'open' ? 'warn' : 'info';
        this.log[level]({ event: 'upstream_circuit', from, to, failures }, `circuit ${from} → ${to}`);
        this.publish('circuit', { name: this.name, from, to, failures, at: this.clock.now() });
      },
    });
    this.health = new HealthCheck({
      clock: this.clock,
      intervalMs: this.spec.pingIntervalMs,
      timeoutMs: this.spec.pingTimeoutMs,
      maxFailures: this.spec.maxPingFailures,
      logger: this.log,
    });
    this.gate = new RequestGate({
      name: this.name,
      clock: this.clock,
      breaker: this.breaker,
      defaultTimeoutMs: this.spec.callTimeoutMs,
      current: () => {
        if (!this.connection || !acceptsCalls(this._state)) throw this.unavailable();
        return this.connection;
      },
      isCurrent: (connection) => connection.gen === this.generation,
      sessionLost: (connection) => this.sessionLost(connection),
      waitUntilReady: (options) => this.waitUntilReady(options),
      onFailure: (description) => (this.lastError = description),
    });
  }

  get name(): string {
    return this.spec.name;
  }

  get state(): UpstreamState {
    return this._state;
  }

  /** The child's pid (its process group id) while one runs; undefined for http. */
  get pid(): number | undefined {
    return this.connection?.pid;
  }

  /** The connected SDK client while calls are accepted (for what the pass-throughs do not cover). */
  get client(): Client | undefined {
    return this.connection && acceptsCalls(this._state) ? this.connection.client : undefined;
  }

  /** What the upstream said in `initialize`, while connected. */
  get serverCapabilities() {
    return this.client?.getServerCapabilities();
  }

  get serverVersion(): Implementation | undefined {
    return this.client?.getServerVersion();
  }

  get instructions(): string | undefined {
    return this.client?.getInstructions();
  }

  info(): UpstreamInfo {
    return {
      name: this.name,
      transport: this.spec.transport,
      state: this._state,
      reason: this.reason,
      since: this.since,
      restarts: this.restarts,
      lastError: this.lastError,
      pid: this.pid,
      circuit: this.breaker.state,
    };
  }

  /**
   * Starts supervision. Resolves once the first attempt settled (ready, or failed and handed to
   * the restart logic); never rejects. A no-op unless the upstream is `stopped`.
   */
  async start(): Promise<void> {
    if (this._state !== 'stopped') return;
    const gen = ++this.generation;
    this.transition('starting', startingReason(this.spec));
    // After a stop(), the previous processes are gone before new ones start.
    await Promise.all(this.closing.values());
    if (gen === this.generation) await this.connect(gen);
  }

  /**
   * Restarts now, whatever the state (crash-loop and stopped included): forgets the crash-loop
   * window and the circuit's failures. Resolves once the new attempt settled; never rejects.
   */
  async restart(reason = 'restart requested'): Promise<void> {
    const gen = ++this.generation;
    this.clearTimers();
    this.crashLoop.reset();
    this.breaker.reset();
    const closed = this.dropConnection(true);
    this.transition('restarting', reason, 0);
    await closed;
    if (gen !== this.generation) return;
    this.restarts += 1;
    await this.connect(gen);
  }

  /** Stops for good: ends the HTTP session or the whole process group. Idempotent. */
  async stop(reason = 'stopped'): Promise<void> {
    this.generation += 1;
    this.clearTimers();
    this.dropConnection(true);
    if (this._state !== 'stopped') this.transition('stopped', reason);
    // Connections still draining after a lost HTTP session close now.
    for (const connection of this.closing.keys()) connection.stopDraining();
    await Promise.all(this.closing.values());
  }

  /**
   * SIGKILLs every process group this upstream still has, synchronously: for a process `exit`
   * hook, where nothing asynchronous runs any more. `stop()` is the orderly way.
   */
  killNow(): void {
    for (const connection of [this.connection, ...this.closing.keys()]) {
      if (connection?.pid !== undefined && connection.exitStatus === undefined)
        signalGroup(connection.pid, 'SIGKILL');
    }
  }

  /**
   * Resolves once calls are accepted (ready or degraded). Rejects with UpstreamUnavailableError
   * when the upstream is or becomes `crash-loop` or `stopped`, or is not ready within `timeoutMs`
   * (@defaultValue the spec's startupTimeoutMs); with the signal's reason when aborted.
   */
  waitUntilReady(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (acceptsCalls(this._state)) return Promise.resolve();
    if (this._state === 'crash-loop' || this._state === 'stopped') return Promise.reject(this.unavailable());
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const timeoutMs = options.timeoutMs ?? this.spec.startupTimeoutMs;
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        this.off('state', onState);
        this.clock.clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const onState = (change: StateChange) => {
        if (acceptsCalls(change.to)) settle(resolve);
        else if (change.to === 'crash-loop' || change.to === 'stopped')
          settle(() => reject(this.unavailable()));
      };
      const onAbort = () => settle(() => reject(options.signal?.reason));
      const timer = this.clock.setTimeout(
        () =>
          settle(() =>
            reject(
              new UpstreamUnavailableError(
                this.name,
                this._state,
                `${this.reason}; not ready within ${timeoutMs} ms`,
              ),
            ),
          ),
        timeoutMs,
      );
      this.on('state', onState);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- pass-throughs ------------------------------------------------------------------------

  /**
   * Calls a tool. The result is relayed as the upstream gave it: `isError` results included, and
   * not checked against the tool's output schema (the client that called the bridge does that;
   * the bridge only relays).
   */
  callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<CallToolResult> {
    const params = { name, arguments: args, ...(options.meta ? { _meta: options.meta } : {}) };
    return this.gate.send('tools/call', options, (client, sdk) =>
      client.request({ method: 'tools/call', params }, sdk),
    );
  }

  listTools(params?: ListToolsRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('tools/list', options, (client, sdk) => client.listTools(params, sdk));
  }

  listResources(params?: ListResourcesRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('resources/list', options, (client, sdk) => client.listResources(params, sdk));
  }

  listResourceTemplates(
    params?: ListResourceTemplatesRequest['params'],
    options: UpstreamRequestOptions = {},
  ) {
    return this.gate.send('resources/templates/list', options, (client, sdk) =>
      client.listResourceTemplates(params, sdk),
    );
  }

  readResource(params: ReadResourceRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('resources/read', options, (client, sdk) => client.readResource(params, sdk));
  }

  subscribeResource(params: SubscribeRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('resources/subscribe', options, (client, sdk) =>
      client.subscribeResource(params, sdk),
    );
  }

  unsubscribeResource(params: UnsubscribeRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('resources/unsubscribe', options, (client, sdk) =>
      client.unsubscribeResource(params, sdk),
    );
  }

  listPrompts(params?: ListPromptsRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('prompts/list', options, (client, sdk) => client.listPrompts(params, sdk));
  }

  getPrompt(params: GetPromptRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('prompts/get', options, (client, sdk) => client.getPrompt(params, sdk));
  }

  complete(params: CompleteRequest['params'], options: UpstreamRequestOptions = {}) {
    return this.gate.send('completion/complete', options, (client, sdk) => client.complete(params, sdk));
  }

  setLoggingLevel(level: LoggingLevel, options: UpstreamRequestOptions = {}) {
    return this.gate.send('logging/setLevel', options, (client, sdk) => client.setLoggingLevel(level, sdk));
  }

  ping(options: UpstreamRequestOptions = {}) {
    return this.gate.send('ping', options, (client, sdk) => client.ping(sdk));
  }

  private unavailable(): UpstreamUnavailableError {
    return new UpstreamUnavailableError(this.name, this._state, this.reason);
  }

  // ---- connections ----------------------------------------------------------------------------

  /** One connection attempt; its failure goes to the restart logic. */
  private async connect(gen: number): Promise<void> {
    let connection: UpstreamConnection;
    try {
      connection = new UpstreamConnection({
        gen,
        spec: this.spec,
        clientInfo: this.options.clientInfo ?? DEFAULT_CLIENT_INFO,
        clientCapabilities: this.options.clientCapabilities ?? {},
        configureClient: (client) => this.options.configureClient?.(client, this),
        createTransport: this.createTransport,
        clock: this.clock,
        logger: this.log,
        onClose: (closed) => this.connectionClosed(closed),
        onError: (failed, error) => this.connectionError(failed, error),
        onListChanged: (kind) => {
          this.log.debug({ event: 'upstream_list_changed', kind }, `${kind} list changed`);
          this.publish('list_changed', { name: this.name, kind, at: this.clock.now() });
        },
      });
    } catch (error) {
      this.restartAfter(`could not be set up: ${errorMessage(error)}`, { failure: true });
      return;
    }
    this.connection = connection;
    try {
      await connection.open(this.spec.startupTimeoutMs);
    } catch (error) {
      if (gen !== this.generation) return;
      // Close first: the exit status of a process that died while starting says more than the
      // broken pipe or closed connection its initialize request ran into.
      await this.dropConnection(false);
      if (gen !== this.generation) return;
      const exit = connection.exitStatus;
      const why = exit
        ? `process exited (${describeExit(exit)})`
        : classifyFailure(error) === 'timeout'
          ? `no answer to initialize within ${this.spec.startupTimeoutMs} ms`
          : errorMessage(error);
      this.restartAfter(`did not start: ${why}`, { failure: true });
      return;
    }
    if (gen !== this.generation) return;
    // The process may have died between its initialize answer and now; its close was ignored
    // while starting, so look at it here.
    if (!connection.alive) {
      this.restartAfter('connection closed right after initialize', { failure: true });
      return;
    }
    this.breaker.reset();
    this.transition(
      'ready',
      this.restarts === 0 ? 'connected' : `connected again (restart ${this.restarts})`,
    );
    this.health.start(connection.client, (outcome) => {
      if (gen !== this.generation) return;
      if (outcome.kind === 'healthy') {
        if (this._state === 'degraded') this.transition('ready', 'ping answered again');
      } else if (outcome.kind === 'session-lost') {
        this.sessionLost(connection);
      } else if (outcome.kind === 'degraded') {
        this.lastError = outcome.reason;
        this.transition('degraded', outcome.reason);
      } else {
        this.restartAfter(outcome.reason, { failure: true });
      }
    });
  }

  /** The transport closed: for stdio, the process exited and its group was ended. */
  private connectionClosed(connection: UpstreamConnection): void {
    // While starting, the failed connect() reports it; once replaced, it is old news.
    if (connection.gen !== this.generation || !acceptsCalls(this._state)) return;
    const exit = connection.exitStatus;
    this.restartAfter(exit ? `process exited (${describeExit(exit)})` : 'connection closed', {
      failure: !(exit && exit.code === 0),
    });
  }

  private connectionError(connection: UpstreamConnection, error: Error): void {
    if (connection.gen !== this.generation) return;
    // The SSE stream of a restarted HTTP server reconnects with our old session and gets 404.
    if (classifyFailure(error) === 'session-lost') return this.sessionLost(connection);
    this.log.warn({ err: error }, 'upstream transport error');
  }

  /** A Streamable HTTP server answered 404 for our session: start a new one, at once. */
  private sessionLost(connection: UpstreamConnection): void {
    if (connection.gen !== this.generation || !acceptsCalls(this._state)) return;
    const session = connection.sessionId ?? 'unknown';
    this.restartAfter(`the server no longer knows session ${session} (HTTP 404); starting a new session`, {
      failure: true,
      sessionLost: true,
    });
  }

  /**
   * The current connection is over: restarts after a backoff delay unless the restart policy
   * says otherwise or this is one restart too many within the crash-loop window.
   */
  private restartAfter(reason: string, cause: { failure: boolean; sessionLost?: boolean }): void {
    const gen = ++this.generation;
    this.clearTimers();
    if (cause.failure) this.lastError = reason;
    // After a lost session the old requests are left to learn their own fate (see
    // UpstreamConnection.close); there is no process to wait for, so the new session does not wait.
    const closed = this.dropConnection(false, cause.sessionLost === true);
    const before = cause.sessionLost ? Promise.resolve() : closed;
    const { policy, crashLoop } = this.spec.restart;
    if (policy === 'never' || (policy === 'on-failure' && !cause.failure)) {
      this.transition('stopped', `${reason}; not restarted (restart policy '${policy}')`);
      return;
    }
    const { count, looping } = this.crashLoop.record(this.clock.now());
    if (looping) {
      this.transition(
        'crash-loop',
        `${reason}; ${count - 1} restarts within ${crashLoop.windowMs} ms (limit ${crashLoop.maxRestarts}), ` +
          'not restarting until restart() is called',
      );
      return;
    }
    // A lost HTTP session is not a crash: the first new session is asked for at once.
    const delay =
      cause.sessionLost && count === 1 ? 0 : backoffDelay(count - 1, this.spec.restart, this.random);
    this.transition('restarting', reason, delay);
    this.restartTimer = this.clock.setTimeout(() => {
      this.restartTimer = undefined;
      before
        .then(async () => {
          if (gen !== this.generation) return;
          this.restarts += 1;
          await this.connect(gen);
        })
        .catch((error: unknown) => this.log.error({ err: error }, 'restart attempt failed unexpectedly'));
    }, delay);
  }

  /** Detaches the current connection and closes it in the background (tracked in `closing`). */
  private dropConnection(endSession: boolean, drain = false): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.health.stop();
    if (!connection) return Promise.resolve();
    const closed = connection
      .close({ endSession, drainMs: drain ? this.spec.callTimeoutMs : undefined })
      .catch((error: unknown) => this.log.warn({ err: error }, 'upstream connection did not close cleanly'))
      .finally(() => this.closing.delete(connection));
    this.closing.set(connection, closed);
    return closed;
  }

  private clearTimers(): void {
    if (this.restartTimer !== undefined) this.clock.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.health.stop();
  }

  private transition(to: UpstreamState, reason: string, retryInMs?: number): void {
    const from = this._state;
    this._state = to;
    this.reason = reason;
    // Degraded → degraded with a new count only updates the reason; restarting → restarting is a
    // new attempt with a new delay, which watchers want to see.
    if (from === to && to !== 'restarting') return;
    this.since = this.clock.now();
    const change: StateChange = { name: this.name, from, to, reason, at: this.since };
    if (retryInMs !== undefined) change.retryInMs = retryInMs;
    const level = to === 'crash-loop' ? 'error' : to === 'degraded' || to === 'restarting' ? 'warn' : 'info';
    this.log[level](
      { event: 'upstream_state', from, to, reason, retryInMs },
      `upstream ${this.name}: ${from} → ${to}`,
    );
    this.publish('state', change);
  }

  /** Emits to each listener in turn; one that throws is logged and does not stop the others. */
  private publish<E extends keyof UpstreamEvents>(event: E, ...args: UpstreamEvents[E]): void {
    // rawListeners keeps the once() wrappers, so calling them removes them as emit() would.
    for (const listener of this.rawListeners(event) as unknown as Array<
      (...values: UpstreamEvents[E]) => void
    >) {
      try {
        listener(...args);
      } catch (error) {
        this.log.error({ err: error, event }, 'an upstream event listener threw');
      }
    }
  }
}

function startingReason(spec: UpstreamSpec): string {
  if (spec.transport === 'stdio') return `spawning ${spec.command}`;
  if (spec.transport === 'http') return `connecting to ${spec.url}`;
  return `creating built-in server ${spec.server} in process`;
}
