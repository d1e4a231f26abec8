import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CallObserver } from '#bridge/front';
import type { AuditLog } from './audit-log.js';
import type { ToolCallEvents } from './tool-call-events.js';

/**
 * Reports the MCP front's operations: an audit row each, with source `mcp` (Streamable HTTP at
 * /mcp) or `stdio` (`switchyard mcp`); tool calls also as `started`/`finished` events, like the
 * API's own (metrics and the `tools` WebSocket topic listen to them).
 */
export function observeMcpCalls(
  toolEvents: ToolCallEvents,
  audit: AuditLog,
  source: 'mcp' | 'stdio' = 'mcp',
): CallObserver {
  return ({ operation = 'tools/call', tool, server, arguments: args, caller }) => {
    const id = randomUUID();
    const startedAt = new Date();
    const start = performance.now();
    const isCall = operation === 'tools/call';
    if (isCall) toolEvents.report({ phase: 'started', id, source, tool, server, at: startedAt.getTime() });
    return ({ outcome, error, errorKind }) => {
      const durationMs = performance.now() - start;
      if (isCall)
        toolEvents.report({
          phase: 'finished',
          id,
          source,
          tool,
          server,
          at: Date.now(),
          durationMs,
          outcome,
          ...(errorKind === undefined ? {} : { errorKind }),
          ...(error === undefined ? {} : { error }),
        });
      audit.record({
        source,
        keyName: caller ?? null,
        operation,
        tool,
        server,
        startedAt,
        durationMs,
        outcome,
        error,
        arguments: args,
      });
    };
  };
}
