import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SwitchyardError } from '../../runtime/errors.js';

/** A tool answered with `isError`: its text is the message (it says what is wrong). */
export class ToolCallFailedError extends SwitchyardError {
  constructor(tool: string, message: string) {
    super('tool_failed', `${tool} failed: ${message}`, { details: { tool } });
  }
}

/** The text of a tool result's content. */
export function textOf(result: CallToolResult): string {
  return (result.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A tool result's data: its structuredContent, else its text parsed as JSON. Throws on `isError`. */
export function toolData(result: CallToolResult, tool: string): Record<string, unknown> {
  if (result.isError === true) throw new ToolCallFailedError(tool, textOf(result));
  if (result.structuredContent && typeof result.structuredContent === 'object')
    return result.structuredContent;
  try {
    const parsed: unknown = JSON.parse(textOf(result));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: reported below, with the tool's name.
  }
  throw new ToolCallFailedError(tool, 'the result holds no structured data');
}

export interface ErrorInfo {
  code: string;
  message: string;
}

/** A JSON-safe {code, message} for any thrown value (what a failed state keeps in its context). */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof SwitchyardError) return { code: error.code, message: error.message };
  if (error instanceof Error)
    return { code: error.name === 'AbortError' ? 'aborted' : 'agent_failed', message: error.message };
  return { code: 'agent_failed', message: String(error) };
}

/** What every sub-agent's machine ends with: its result, or why it could not produce one. */
export type SubAgentOutput<T> = ({ ok: true } & T) | { ok: false; error: ErrorInfo };
