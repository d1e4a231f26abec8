import type { CallToolResult } from '@modelcontextprotocol/server';

/** The first text of a result, cut to 1000 characters: how a tool's own failure is recorded. */
export function firstText(result: CallToolResult): string | undefined {
  for (const item of result.content ?? []) if (item.type === 'text') return item.text.slice(0, 1000);
  return undefined;
}
