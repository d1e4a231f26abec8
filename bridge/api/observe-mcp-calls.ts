import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CallObserver } from '../front/front-server.js';
import type { AuditLog } from './audit-log.js';
import type { ToolCallEvents } from './tool-call-events.js';

/**
 * Reports the MCP front's tool calls like the API's own: `started`/`finished` events (metrics and
 * the `tools` WebSocket topic listen to them) and an audit row each, with source `mcp` (Streamable
 * HTTP at /mcp) or `stdio` (`switchyard mcp`).
 */
export function observeMcpCalls(
  toolEvents: ToolCallEvents,
  audit: AuditLog,
  source: 'mcp' | 'stdio' = 'mcp',
): CallObserver {
  return ({ tool, server, arguments: args, caller }) => {
    const id = randomUUID();
    const startedAt = new Date();
    const start = performance.now();
    toolEvents.report({ phase: 'started', id, source, tool, server, at: startedAt.getTime() });
    return ({ outcome, error, errorKind }) => {
      const durationMs = performance.now() - start;
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
