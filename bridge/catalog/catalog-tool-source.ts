import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import type { ToolCallOptions, ToolCallRun, ToolCatalog } from '#runtime/actors';
import { agentCaller } from '../access/caller.js';
import { ToolForbiddenError } from './catalog-errors.js';
import type { CatalogReader } from './catalog-reader.js';
import { firstText } from './first-text.js';

/** Switchyard's own tools no agent may ever call: a run cannot approve runs. */
export const DECISION_TOOLS: ReadonlySet<string> = new Set(['runs__approve', 'runs__reject']);

/** One tool call an agent made, as it settled: what the audit log records. */
export interface AgentToolCall {
  tool: string;
  /** Null when the tool was unknown. */
  server: string | null;
  arguments: Record<string, unknown>;
  /** The run that made it (absent for a call made outside a run). */
  run: ToolCallRun | undefined;
  startedAt: Date;
  durationMs: number;
  outcome: 'ok' | 'tool_error' | 'error';
  error?: string;
}

export interface AgentToolCatalogOptions {
  /** Told of every call once it settled (audit rows); it must not throw. @defaultValue none */
  onCall?: (call: AgentToolCall) => void;
}

/**
 * The merged catalog as the runtime's {@link ToolCatalog}: what agents call tools through. Each
 * call carries the run as its caller (`agent:<name>`, the `call` scope only), so Switchyard's
 * own tools that need more refuse it, and the audit row names the run. The decision tools are not
 * even listed; the other task tools (start or read runs) are granted by exact name only.
 */
export function toolCatalogOf(reader: CatalogReader, options: AgentToolCatalogOptions = {}): ToolCatalog {
  return {
    listTools: (): Tool[] =>
      reader
        .listTools()
        .filter((tool) => !DECISION_TOOLS.has(tool.name))
        .map((tool) => tool.definition),
    grantedOnlyByName: (name) => reader.findTool(name)?.local === true,
    callTool: async (
      name: string,
      args: Record<string, unknown>,
      callOptions: ToolCallOptions = {},
    ): Promise<CallToolResult> => {
      const { run } = callOptions;
      const caller = run
        ? agentCaller(run.agent, run.runId, run.requestedBy)
        : agentCaller('unknown', 'unknown');
      const startedAt = new Date();
      const start = performance.now();
      const settle = (outcome: AgentToolCall['outcome'], error?: string) =>
        options.onCall?.({
          tool: name,
          server: reader.findTool(name)?.server ?? null,
          arguments: args,
          run,
          startedAt,
          durationMs: performance.now() - start,
          outcome,
          ...(error === undefined ? {} : { error }),
        });
      try {
        if (DECISION_TOOLS.has(name)) throw new ToolForbiddenError(name, 'admin', caller);
        const result = await reader.callTool(name, args, {
          caller,
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
          ...(callOptions.timeoutMs !== undefined ? { timeoutMs: callOptions.timeoutMs } : {}),
          ...(callOptions.onProgress ? { onprogress: callOptions.onProgress } : {}),
        });
        settle(result.isError ? 'tool_error' : 'ok', result.isError ? firstText(result) : undefined);
        return result;
      } catch (error) {
        settle('error', error instanceof Error ? error.message : String(error));
        throw error;
      }
    },
  };
}
