/**
 * Helpers every statechart agent shares: reading tool results, calling a tool for its data,
 * turning errors into the {code, message} a failed state keeps, reading JSON out of a model's text.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { RunServices } from '#runtime/actors';
import { type ErrorCode, SwitchyardError } from '#core';

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
    return result.structuredContent as Record<string, unknown>;
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

/**
 * Calls a tool through the run's journal and returns its structured content ({} when it has
 * none); an `isError` answer throws ToolCallFailedError, or the error `classify` names from its text.
 */
export async function callToolData(
  services: RunServices,
  key: string,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
  classify?: (text: string) => ErrorCode | undefined,
): Promise<Record<string, unknown>> {
  const result = await services.callTool(key, name, args, { signal });
  if (result.isError === true) {
    const text = textOf(result);
    const code = classify?.(text);
    if (code !== undefined)
      throw new SwitchyardError(code, `${name} failed: ${text}`, { details: { tool: name } });
    throw new ToolCallFailedError(name, text);
  }
  // Tools that answer in text only (a write's confirmation) have no data to give.
  return (result.structuredContent ?? {}) as Record<string, unknown>;
}

/** The first JSON object in a model's text (bare or in a ```json fence), or undefined. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  const candidate = fenced ? fenced[1]! : text;
  const start = candidate.indexOf('{');
  const end = candidate.lastIndexOf('}');
  if (start === -1 || end < start) return undefined;
  try {
    return JSON.parse(candidate.slice(start, end + 1)) as unknown;
  } catch {
    return undefined; // not JSON: the caller falls back to its rules or templates
  }
}

/** What every sub-agent's machine ends with: its result, or why it could not produce one. */
export type SubAgentOutput<T> = ({ ok: true } & T) | { ok: false; error: ErrorInfo };
