import type { CallToolResult } from '@modelcontextprotocol/server';
import {
  BackendError,
  ConflictError,
  NotFoundError,
  SwitchyardError,
  UnsupportedError,
  ValidationError,
  type Logger,
} from '#core';
import { errorResult as sharedErrorResult } from '#runtime/mcp';
import { DimensionMismatchError } from '#stores/vector';

export { dataResult } from '#runtime/mcp';

/**
 * Turns an error from the vector layer into an `isError` result: the layer's message says what is
 * wrong and where, the hint says which call fixes it.
 */
export function errorResult(error: unknown, tool: string, logger: Logger): CallToolResult {
  return sharedErrorResult(error, {
    tool,
    logger,
    server: 'vector',
    hint: hintFor,
    isUnexpected: (e) => !(e instanceof SwitchyardError) || e instanceof BackendError,
  });
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
