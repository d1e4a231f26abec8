import type { Logger } from '#core';
import { progressReporter, type ToolExtra } from '#runtime/mcp';
import { isoSeconds } from './github-errors.js';
import { RATE_LIMIT_LISTENER, type RateLimitListener } from './rate-limit.js';

/** What a tool spreads into every octokit call: `{ request: { signal, <rate-limit listener> } }`. */
export interface CallOptions {
  request: { signal: AbortSignal; [RATE_LIMIT_LISTENER]: RateLimitListener };
}

/**
 * The per-call octokit options of one tool call (or resource read): its cancellation signal
 * (joined with the server's shutdown) reaches the HTTP request and any rate-limit wait, and each
 * wait is announced as a progress notification when the client asked for progress.
 */
export function callOptions(extra: ToolExtra, shutdown: AbortSignal, logger: Logger): CallOptions {
  const report = progressReporter(extra, logger);
  let waits = 0;
  const onWait: RateLimitListener = async (wait, request) => {
    waits++;
    await report(
      waits,
      undefined,
      `GitHub rate limit on ${request} (${wait.reason}); waiting ${Math.ceil(wait.waitMs / 1000)} s, ` +
        `until ${isoSeconds(wait.retryAt)}, then retrying`,
    );
  };
  return {
    request: { signal: AbortSignal.any([extra.mcpReq.signal, shutdown]), [RATE_LIMIT_LISTENER]: onWait },
  };
}
