import type { CallToolResult } from '@modelcontextprotocol/server';
import { ConflictError, NotFoundError, ValidationError, type Logger } from '#core';
import { errorResult as sharedErrorResult } from '#runtime/mcp';
import { IdempotencyKeyReusedError, StaleVersionError } from './records/crm-errors.js';

export { dataResult } from '#runtime/mcp';

/** Turns an error into an `isError` result whose text says what is wrong and which call fixes it. */
export function errorResult(error: unknown, tool: string, logger: Logger): CallToolResult {
  return sharedErrorResult(error, { tool, logger, server: 'crm', hint: hintFor });
}

function hintFor(error: unknown): string | undefined {
  if (error instanceof StaleVersionError) {
    const type = String(error.details['type']);
    return `Read it again (get_account, or list_changes for this ${type}), check that your change still makes sense, and retry with expectedVersion ${String(error.details['currentVersion'])}`;
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return 'Use a new idempotencyKey for a different record, or the same values to get the existing one back';
  }
  if (error instanceof NotFoundError) {
    return error.details['kind'] === 'account'
      ? 'Call search_accounts to find the account id (ids look like "acc_…")'
      : 'Call get_account on the account to see the ids of its contacts, deals, activities, notes and tasks';
  }
  if (error instanceof ConflictError) return 'Read the record again and retry';
  if (error instanceof ValidationError) return 'Fix the argument named in the message and call again';
  if (error instanceof Error) return 'The crm store failed; retrying later may help';
  return undefined;
}
