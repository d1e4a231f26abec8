import type { CallToolResult } from '@modelcontextprotocol/server';
import { SwitchyardError, type Logger } from '#core';
import { errorResult as sharedErrorResult } from '#runtime/mcp';

export { dataResult } from '#runtime/mcp';

/** Turns an error into an `isError` result whose text says what is wrong and which call fixes it. */
export function errorResult(error: unknown, tool: string, logger: Logger): CallToolResult {
  const code = error instanceof SwitchyardError ? error.code : undefined;
  // Refusals are logged too: an operator wants to see escape attempts.
  if (code === 'access_denied') logger.warn({ err: error, tool }, 'filesystem access refused');
  return sharedErrorResult(error, {
    tool,
    logger,
    server: 'filesystem',
    hint: () => (code ? HINTS[code] : undefined),
    isUnexpected: () => code === undefined || code === 'fs_error',
  });
}

const HINTS: Record<string, string> = {
  access_denied:
    'Only paths inside the allowed directories can be used, and symlinks leading out of them are not followed: call list_allowed_directories',
  not_found: 'Check the path with list_directory or search_files',
  validation_failed: 'Fix the argument named in the message and call again',
  conflict: 'Choose another destination, or move the existing entry away first',
  cancelled: 'The call was cancelled; call again with a narrower path or pattern',
};
