import type { Client, RequestOptions, Progress } from '@modelcontextprotocol/client';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Clock } from '#core';
import type { UpstreamConnection } from './upstream-connection.js';
import {
  CircuitOpenError,
  classifyFailure,
  errorMessage,
  UpstreamRequestError,
  UpstreamTimeoutError,
} from './upstream-errors.js';

/** Per-request options of every pass-through. */
export interface UpstreamRequestOptions {
  /** Aborting sends `notifications/cancelled` upstream and rejects the call. */
  signal?: AbortSignal;
  /** @defaultValue the spec's callTimeoutMs */
  timeoutMs?: number;
  /** Receives the upstream's progress notifications (asks for them with a progress token). */
  onprogress?: (progress: Progress) => void;
  /** A progress notification restarts the timeout. @defaultValue true when onprogress is given */
  resetTimeoutOnProgress?: boolean;
  /** Upper bound on the whole call, progress or not. @defaultValue none */
  maxTotalTimeoutMs?: number;
}

/** What the gate needs from its supervisor. */
export interface RequestGateOptions {
  name: string;
  clock: Clock;
  breaker: CircuitBreaker;
  defaultTimeoutMs: number;
  /** The connection to send on now; throws UpstreamUnavailableError when there is none. */
  current(): UpstreamConnection;
  /** Whether `connection` is still the current one: failures of a replaced one do not count. */
  isCurrent(connection: UpstreamConnection): boolean;
  /** The server answered 404 for this connection's HTTP session. */
  sessionLost(connection: UpstreamConnection): void;
  waitUntilReady(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  /** A request failed on the way (for the upstream's `lastError`). */
  onFailure(description: string): void;
}

/**
 * How every request reaches an upstream: through its circuit breaker, with a timeout, and with
 * failures mapped to errors that name the server. A tool result with `isError` and a JSON-RPC
 * error the upstream answered with are answers, not failures: they pass through unchanged and
 * keep the circuit closed.
 */
export class RequestGate {
  constructor(private readonly options: RequestGateOptions) {}

  /**
   * Sends one request. One that met a lost HTTP session is sent once more on the new session,
   * within the same timeout: the 404 means the server never processed it.
   */
  async send<T>(
    method: string,
    options: UpstreamRequestOptions,
    run: (client: Client, sdk: RequestOptions) => Promise<T>,
  ): Promise<T> {
    const { clock, name } = this.options;
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;
    const started = clock.now();
    const first = await this.attempt(method, options, timeoutMs, run);
    if ('value' in first) return first.value;
    const left = timeoutMs - (clock.now() - started);
    if (left <= 0) throw new UpstreamRequestError(name, method, first.sessionLost);
    await this.options.waitUntilReady({ timeoutMs: left, signal: options.signal });
    const remaining = Math.max(1, timeoutMs - (clock.now() - started));
    const second = await this.attempt(method, options, remaining, run);
    if ('value' in second) return second.value;
    throw new UpstreamRequestError(name, method, second.sessionLost);
  }

  private async attempt<T>(
    method: string,
    options: UpstreamRequestOptions,
    timeoutMs: number,
    run: (client: Client, sdk: RequestOptions) => Promise<T>,
  ): Promise<{ value: T } | { sessionLost: unknown }> {
    const { breaker, clock, name } = this.options;
    const connection = this.options.current();
    const permit = breaker.tryPass();
    if (!permit) throw new CircuitOpenError(name, breaker.failures, breaker.retryAt - clock.now());
    try {
      const value = await connection.track(() =>
        run(connection.client, {
          signal: options.signal,
          timeout: timeoutMs,
          onprogress: options.onprogress,
          resetTimeoutOnProgress: options.resetTimeoutOnProgress ?? options.onprogress !== undefined,
          maxTotalTimeout: options.maxTotalTimeoutMs,
        }),
      );
      breaker.success(permit);
      return { value };
    } catch (error) {
      // Cancelled by its caller: says nothing about the upstream; the caller knows why.
      if (options.signal?.aborted) {
        breaker.release(permit);
        throw error;
      }
      const kind = classifyFailure(error);
      if (kind === 'answered') {
        breaker.success(permit);
        throw error;
      }
      if (kind === 'session-lost') {
        breaker.release(permit);
        this.options.sessionLost(connection);
        return { sessionLost: error };
      }
      this.options.onFailure(`${method}: ${errorMessage(error)}`);
      // A connection already replaced (its process died, a restart is under way) says nothing
      // about the next one: the next process starts with a clean circuit.
      if (this.options.isCurrent(connection)) breaker.failure(permit);
      else breaker.release(permit);
      if (kind === 'timeout') throw new UpstreamTimeoutError(name, method, timeoutMs, error);
      throw new UpstreamRequestError(name, method, error);
    }
  }
}
