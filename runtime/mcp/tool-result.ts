import type { CallToolResult } from '@modelcontextprotocol/server';
import { SwitchyardError, type Logger } from '#core';
import { isDataException } from '#stores/sql';

/**
 * The two result shapes every Switchyard MCP server returns from its tools. A tool's failure is an
 * `isError` result a model can act on (what is wrong, then which call fixes it), never a thrown
 * protocol error (docs/architecture.md, "Errors and logs").
 */

/** A successful result whose data is both structured (for programs) and JSON text (for models). */
export function dataResult<T extends Record<string, unknown>>(
  data: T,
): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text: JSON.stringify(data, null, 2) }], structuredContent: data };
}

export interface ErrorResultOptions {
  tool: string;
  logger: Logger;
  /** The sentence appended to the message: which call fixes it. Undefined = the message alone. */
  hint?: (error: unknown) => string | undefined;
  /**
   * Whether the operator should see this failure in the log too (at error level).
   * @defaultValue anything that is not a {@link SwitchyardError}: an expected refusal is the
   * caller's business, an unexpected failure (a database, a remote API) the operator's as well.
   */
  isUnexpected?: (error: unknown) => boolean;
  /** The server's name in the log line. */
  server: string;
}

/** Turns an error into an `isError` result: the error's message, then the hint. */
export function errorResult(error: unknown, options: ErrorResultOptions): CallToolResult {
  // A value the database cannot hold (a NUL in text, a number out of range) is the caller's input
  // to fix, not a failure for the operator.
  if (isDataException(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      content: [
        {
          type: 'text',
          text: `an argument cannot be stored (${detail}); remove NUL characters or out-of-range values and call again`,
        },
      ],
      isError: true,
    };
  }
  const unexpected = options.isUnexpected ?? ((e: unknown) => !(e instanceof SwitchyardError));
  if (unexpected(error))
    options.logger.error({ err: error, tool: options.tool }, `${options.server} tool failed`);
  const message = error instanceof Error ? error.message : String(error);
  const hint = options.hint?.(error);
  return { content: [{ type: 'text', text: hint ? `${message}. ${hint}` : message }], isError: true };
}
