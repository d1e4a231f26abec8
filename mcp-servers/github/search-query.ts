import { z } from 'zod';
import { GitHubApiError } from './github-errors.js';

/** GitHub refuses queries over 256 characters (qualifiers excluded, but this keeps it simple). */
export const searchQuery = z.string().trim().min(1, { message: 'the query is empty' }).max(256);

/** What a refused search query means for the caller. */
export function searchHint(error: unknown): string | undefined {
  if (!(error instanceof GitHubApiError) || error.status !== 422) return undefined;
  if (/first 1000/i.test(error.message)) return 'Narrow the query with qualifiers instead of paging further';
  if (/is:issue/i.test(error.message)) return 'Add is:issue or is:pr to the query';
  return 'Fix the query: qualifiers are key:value without spaces around ":" (repo:owner/name, user:login, language:go), and every repo:/user:/org: must exist and be visible to the token';
}
