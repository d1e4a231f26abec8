import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/client';
import type { Logger, Clock, TimerHandle } from '#core';
import type { ExitStatus } from './process-group-transport.js';
import type { UpstreamSpec } from './upstream-spec.js';
import type { TransportFactory, UpstreamTransport } from './upstream-transport.js';

export type ListKind = 'tools' | 'resources' | 'prompts';

export interface UpstreamConnectionOptions {
  /** The supervisor's generation this connection belongs to. */
  gen: number;
  spec: UpstreamSpec;
  clientInfo: Implementation;
  clientCapabilities: ClientCapabilities;
  /** Registers the owner's handlers on the new client, before it connects. */
  configureClient?: (client: Client) => void;
  createTransport: TransportFactory;
  clock: Clock;
  logger: Logger;
  /** The transport closed (for stdio: the process exited and its group was ended). */
  onClose(connection: UpstreamConnection): void;
  onError(connection: UpstreamConnection, error: Error): void;
  onListChanged(kind: ListKind): void;
}

const END_SESSION_TIMEOUT_MS = 2_000;

/**
 * One connection attempt to an upstream: a fresh SDK client on a fresh transport (a new process
 * for stdio, a new session for http), the requests in flight on it, and how it is closed.
 */
export class UpstreamConnection {
  readonly gen: number;
  readonly client: Client;
  readonly transport: UpstreamTransport;
  private inflight = 0;
  private drained: (() => void) | undefined;

  /** Builds the client and the transport; throws what configureClient or the factory threw. */
  constructor(private readonly options: UpstreamConnectionOptions) {
    this.gen = options.gen;
    this.client = new Client(options.clientInfo, { capabilities: options.clientCapabilities });
    options.configureClient?.(this.client);
    // Set after configureClient, so list changes always reach the owner.
    const changed = (kind: ListKind) => () => options.onListChanged(kind);
    this.client.setNotificationHandler('notifications/tools/list_changed', changed('tools'));
    this.client.setNotificationHandler('notifications/resources/list_changed', changed('resources'));
    this.client.setNotificationHandler('notifications/prompts/list_changed', changed('prompts'));
    this.transport = options.createTransport(options.spec, {
      onStderrLine: (line) => options.logger.info({ stream: 'stderr' }, line),
    });
    this.client.onclose = () => options.onClose(this);
    this.client.onerror = (error) => options.onError(this, error);
  }

  /** Starts the transport and runs `initialize`, which must be answered within `timeoutMs`. */
  async open(timeoutMs: number): Promise<void> {
    await this.client.connect(this.transport, { timeout: timeoutMs });
    deferResponses(this.transport);
  }

  /** False once the transport closed. */
  get alive(): boolean {
    return this.client.transport !== undefined;
  }

  get pid(): number | undefined {
    return this.transport.pid;
  }

  get exitStatus(): ExitStatus | undefined {
    return this.transport.exitStatus;
  }

  get sessionId(): string | undefined {
    return this.transport.sessionId;
  }

  /** Counts `work` as in flight on this connection until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inflight += 1;
    try {
      return await work();
    } finally {
      this.inflight -= 1;
      if (this.inflight === 0) this.drained?.();
    }
  }

  /**
   * Closes the transport (for stdio: ends the child and its whole process group). With
   * `drainMs`, first waits up to that long for the requests in flight to settle on their own:
   * after an HTTP session was lost, each of them learns whether the server saw it (a 404 means
   * no, and it can be sent again) instead of all failing as "connection closed".
   */
  async close(options: { endSession: boolean; drainMs?: number }): Promise<void> {
    if (options.drainMs !== undefined && this.inflight > 0) await this.drain(options.drainMs);
    const transport = this.transport;
    if (options.endSession && transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      // DELETE tells the server the session is over; bounded, as a server that is down must not
      // hold up a stop.
      await bounded(transport.terminateSession(), END_SESSION_TIMEOUT_MS, this.options.clock).catch(
        (error: unknown) => this.options.logger.debug({ err: error }, 'could not end the HTTP session'),
      );
    }
    await this.client.close();
  }

  /** Ends a drain under way at once (stop() does not wait for requests). */
  stopDraining(): void {
    this.drained?.();
  }

  private drain(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined = undefined;
      const done = () => {
        if (timer !== undefined) this.options.clock.clearTimeout(timer);
        this.drained = undefined;
        resolve();
      };
      this.drained = done;
      timer = this.options.clock.setTimeout(done, ms);
    });
  }
}

/** `promise`, or a rejection once `ms` passed on `clock`. */
async function bounded<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

/**
 * The SDK client handles a notification one microtask after it arrives but a response at once, so
 * a progress notification read in the same chunk as the response (the last one, typically) finds
 * its handler already removed and is dropped. Deferring responses by one microtask (in order)
 * lets every notification that arrived before a response be handled before it.
 */
function deferResponses(transport: UpstreamTransport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    if ('id' in message && !('method' in message)) queueMicrotask(() => deliver(message, extra));
    else deliver(message, extra);
  };
}
