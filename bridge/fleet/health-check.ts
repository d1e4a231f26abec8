import type { Client } from '@modelcontextprotocol/client';
import type { Logger, Clock, TimerHandle } from '#core';
import { classifyFailure, errorMessage } from './upstream-errors.js';

/** What one health ping found. */
export type HealthOutcome =
  | { kind: 'healthy' }
  /** A ping failed, fewer than maxFailures in a row. */
  | { kind: 'degraded'; reason: string }
  /** maxFailures pings in a row failed: time to restart. */
  | { kind: 'unhealthy'; reason: string }
  /** A Streamable HTTP server answered 404 for the session. */
  | { kind: 'session-lost' };

export interface HealthCheckOptions {
  clock: Clock;
  /** Time between pings; 0 turns them off. */
  intervalMs: number;
  timeoutMs: number;
  maxFailures: number;
  logger: Logger;
}

/**
 * Periodic `ping` of one connection. Pings never overlap: the next is scheduled when the last
 * settled. Any answer counts as alive, a JSON-RPC error included (the server is there to say it).
 */
export class HealthCheck {
  private timer: TimerHandle | undefined;
  /** Bumped by start() and stop(): a ping of an earlier run reports nothing. */
  private run = 0;
  private failures = 0;

  constructor(private readonly options: HealthCheckOptions) {}

  /** Starts pinging `client` (stopping any earlier run); each outcome goes to `report`. */
  start(client: Pick<Client, 'ping'>, report: (outcome: HealthOutcome) => void): void {
    this.stop();
    this.failures = 0;
    this.schedule(this.run, client, report);
  }

  stop(): void {
    this.run += 1;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(
    run: number,
    client: Pick<Client, 'ping'>,
    report: (outcome: HealthOutcome) => void,
  ): void {
    if (this.options.intervalMs === 0 || run !== this.run) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.check(run, client, report).catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'health check failed unexpectedly'),
      );
    }, this.options.intervalMs);
  }

  private async check(run: number, client: Pick<Client, 'ping'>, report: (outcome: HealthOutcome) => void) {
    let failure: unknown;
    let failed = false;
    try {
      await client.ping({ timeout: this.options.timeoutMs });
    } catch (error) {
      failed = true;
      failure = error;
    }
    if (run !== this.run) return;
    const kind = failed ? classifyFailure(failure) : 'answered';
    if (kind === 'answered') {
      this.failures = 0;
      report({ kind: 'healthy' });
    } else if (kind === 'session-lost') {
      return report({ kind: 'session-lost' });
    } else {
      this.failures += 1;
      const { maxFailures } = this.options;
      const why =
        kind === 'timeout' ? `no answer within ${this.options.timeoutMs} ms` : errorMessage(failure);
      if (this.failures >= maxFailures)
        return report({
          kind: 'unhealthy',
          reason: `health check failed ${this.failures} times in a row: ${why}`,
        });
      report({ kind: 'degraded', reason: `ping failed (${this.failures} of ${maxFailures}): ${why}` });
    }
    this.schedule(run, client, report);
  }
}
