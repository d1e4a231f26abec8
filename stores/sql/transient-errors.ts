/**
 * Which database failures are the moment's, not the statement's — a restart, a failover, a
 * connection cut, a conflict between transactions — and so worth trying again once the server
 * answers, without the caller ever seeing them.
 *
 * Only failures after which the statement is known not to have taken effect are retried:
 * - the connection could not be made (nothing was sent);
 * - the server refused or aborted the statement and said so: admin / crash shutdown (57P01,
 *   57P02; `pg_ctl restart`, `pg_terminate_backend`), starting up (57P03), too many connections
 *   (53300), a serialization failure or deadlock (40001, 40P01: the transaction was rolled back);
 * - the client never sent it (a connection already known broken).
 * A connection that drops while a statement runs, with no word from the server, leaves its outcome
 * unknown: that error is the caller's (a write may have committed).
 */

/** SQLSTATEs whose statement did not take effect. */
const ROLLED_BACK = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);

/** Node's errors of a connection that could not be made. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
]);

/** pg's message for a query asked of a connection it already knows is broken (never sent). */
const NOT_QUERYABLE =
  /not queryable|Connection terminated due to connection timeout|timeout exceeded when trying to connect/i;

/** Whether `error`, raised while getting a connection, is worth another try (nothing ran). */
export function isTransientConnectError(error: unknown): boolean {
  const code = codeOf(error);
  return (
    (code !== undefined && (NOT_CONNECTED.has(code) || ROLLED_BACK.has(code) || code.startsWith('08'))) ||
    NOT_QUERYABLE.test(messageOf(error))
  );
}

/** Whether `error`, raised by a statement, says the statement did not take effect and may be sent again. */
export function isTransientStatementError(error: unknown): boolean {
  const code = codeOf(error);
  return (code !== undefined && ROLLED_BACK.has(code)) || NOT_QUERYABLE.test(messageOf(error));
}

/** pg's message for a connection that closed while a statement was under way. */
const CLOSED_UNDER_WAY = /Connection terminated|Connection ended unexpectedly/i;

/**
 * Whether `error`, raised inside a transaction before its COMMIT was sent, lost the transaction's
 * connection. Unlike a lone statement's, that outcome is known: a transaction whose connection ends
 * before COMMIT is rolled back by the server, so it may be run again whole, whatever the client heard
 * (an error from the server, a reset, or a socket that just closed).
 */
export function isLostTransactionError(error: unknown): boolean {
  const code = codeOf(error);
  return (
    isTransientStatementError(error) ||
    CLOSED_UNDER_WAY.test(messageOf(error)) ||
    (code !== undefined && (NOT_CONNECTED.has(code) || code === 'EPIPE' || code.startsWith('08')))
  );
}

/**
 * Whether `error`, raised by COMMIT itself, says COMMIT was never sent: the connection was already
 * known broken, so the server never saw it and rolled the transaction back when the connection ended.
 * Any other failure of COMMIT leaves the outcome unknown and is the caller's.
 */
export function isUnsentCommitError(error: unknown): boolean {
  return NOT_QUERYABLE.test(messageOf(error));
}

export interface RetryOptions {
  /** Give up (rethrow the last error) once this long has passed since the first try. */
  forMs: number;
  /** Told of each retry; the first of a run of them is the one worth a warning. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `work` until it succeeds, fails with an error `retryable` does not accept, or `forMs` has
 * passed: backoff from 50 ms, doubling to 2 s, with jitter so clients do not return in step.
 */
export async function retryTransient<T>(
  work: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  options: RetryOptions,
): Promise<T> {
  const started = Date.now();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const elapsed = Date.now() - started;
      if (!retryable(error) || elapsed >= options.forMs) throw error;
      const base = Math.min(2_000, 50 * 2 ** (attempt - 1));
      const delayMs = Math.min(Math.round(base / 2 + Math.random() * (base / 2)), options.forMs - elapsed);
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
