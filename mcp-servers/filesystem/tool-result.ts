import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SwitchyardError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';

/** A successful result whose data is both structured (for programs) and JSON text (for models). */
export function dataResult<T extends Record<string, unknown>>(
  data: T,
): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text: JSON.stringify(data, null, 2) }], structuredContent: data };
}

/**
 * Turns an error into an `isError` result whose text says what is wrong and which call fixes it.
 * A tool's failure is a result the model can act on, never a thrown protocol error (STYLE.md).
 */
export function errorResult(error: unknown, tool: string, logger: Logger): CallToolResult {
  const code = error instanceof SwitchyardError ? error.code : undefined;
  if (code === undefined || code === 'fs_error') logger.error({ err: error, tool }, 'filesystem tool failed');
  // Refusals are logged too: an operator wants to see escape attempts.
  if (code === 'access_denied') logger.warn({ err: error, tool }, 'filesystem access refused');
  const message = error instanceof Error ? error.message : String(error);
  const hint = code ? HINTS[code] : undefined;
  return { content: [{ type: 'text', text: hint ? `${message}. ${hint}` : message }], isError: true };
}

const HINTS: Record<string, string> = {
  access_denied:
    'Only paths inside the allowed directories can be used, and symlinks leading out of them are not followed: call list_allowed_directories',
  not_found: 'Check the path with list_directory or search_files',
  validation_failed: 'Fix the argument named in the message and call again',
  conflict: 'Choose another destination, or move the existing entry away first',
  cancelled: 'The call was cancelled; call again with a narrower path or pattern',
};
