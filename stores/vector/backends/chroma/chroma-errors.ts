import { ChromaNotFoundError } from 'chromadb';
import { BackendError, NotFoundError, SwitchyardError } from '#core';

/**
 * Runs one Chroma call and translates its failure: a missing collection becomes NotFoundError
 * (when the call was about one), our own errors pass through, anything else becomes
 * BackendError('chroma', '<what> failed: <cause>').
 */
export async function callChroma<T>(what: string, work: () => Promise<T>, collection?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw chromaError(error, what, collection);
  }
}

export function chromaError(error: unknown, what: string, collection?: string): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  if (collection !== undefined && error instanceof ChromaNotFoundError) {
    return new NotFoundError('collection', collection);
  }
  return new BackendError('chroma', `${what} failed: ${describeError(error)}`, error);
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
