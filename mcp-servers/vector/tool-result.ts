import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  BackendError,
  ConflictError,
  NotFoundError,
  SwitchyardError,
  UnsupportedError,
  ValidationError,
} from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { DimensionMismatchError } from '../../stores/vector/vector-errors.js';

/** A successful result whose data is both structured (for programs) and JSON text (for models). */
export function dataResult<T extends Record<string, unknown>>(
  data: T,
): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text: JSON.stringify(data, null, 2) }], structuredContent: data };
}

/**
 * Turns an error from the vector layer into an `isError` result: the layer's message says what is
 * wrong and where, the hint says which call fixes it. A tool's failure is a result the model can
 * act on, never a thrown protocol error (STYLE.md).
 */
export function errorResult(error: unknown, tool: string, logger: Logger): CallToolResult {
  const hint = hintFor(error);
  if (!(error instanceof SwitchyardError) || error instanceof BackendError) {
    // Unexpected failures are the operator's business too; expected ones are the caller's.
    logger.error({ err: error, tool }, 'vector tool failed');
  }
  const message = error instanceof Error ? error.message : String(error);
  return { content: [{ type: 'text', text: hint ? `${message}. ${hint}` : message }], isError: true };
}

function hintFor(error: unknown): string | undefined {
  if (error instanceof DimensionMismatchError) {
    return "Vectors must have the collection's dimension: call describe_collection to see it, or query/upsert by text, which the server embeds with the right dimension when the collection was created with the embedder's dimension";
  }
  if (error instanceof NotFoundError) {
    return 'Call list_collections to see the existing names, or create_collection to make this one';
  }
  if (error instanceof ConflictError) {
    return 'Use a different name, or drop_collection first if its data may be discarded';
  }
  if (error instanceof UnsupportedError) {
    return 'This backend cannot run that; rewrite the filter with other operators (for example $in instead of $or over one field)';
  }
  if (error instanceof ValidationError) {
    const at = error.details['at'];
    if (typeof at === 'string') {
      return 'Filters are JSON objects like {"lang": "en", "year": {"$gte": 2020}}; operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $not';
    }
    return 'Fix the argument named in the message and call again';
  }
  if (error instanceof BackendError) return 'The storage backend failed; retrying later may help';
  return undefined;
}
