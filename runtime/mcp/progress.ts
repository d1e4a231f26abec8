import type { ServerContext } from '@modelcontextprotocol/server';
import type { Logger } from '#core';

/** The `extra` argument the SDK passes to a tool handler. */
export type ToolExtra = ServerContext;

/** Sends one progress step; `total` is omitted when the end is not known in advance. */
export type ReportProgress = (progress: number, total: number | undefined, message: string) => Promise<void>;

/**
 * Progress for a long tool call, sent only to a client that asked for it (a `progressToken` in the
 * request's `_meta`); otherwise every call is a no-op. A notification that cannot be sent is logged:
 * it never fails the work it reports on.
 */
export function progressReporter(extra: ToolExtra, logger: Logger): ReportProgress {
  const progressToken = extra.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return async () => {};
  return async (progress, total, message) => {
    await extra.mcpReq
      .notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total === undefined ? {} : { total }), message },
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'progress notification failed'));
  };
}
