import { AdminClient, ChromaClient, ChromaNotFoundError } from 'chromadb';
import { NotFoundError, ValidationError } from '#core';
import { callChroma, chromaError } from './chroma-errors.js';
import type { ResolvedChromaOptions } from './chroma-options.js';

/**
 * A chromadb client on a server that answered: checks the server is reachable, that `batchSize`
 * fits its max batch size and that the database exists, so a wrong URL or name fails at open
 * with a message that says which, not at the first write.
 */
export async function connectChroma(options: ResolvedChromaOptions): Promise<ChromaClient> {
  const { host, port, ssl, tenant, database, headers, url, batchSize } = options;
  const client = new ChromaClient({ host, port, ssl, tenant, database, headers });
  await callChroma(`connecting to Chroma at ${url}`, () => client.heartbeat());
  const maxBatchSize = await callChroma(`reading the limits of ${url}`, () => client.getMaxBatchSize());
  if (maxBatchSize > 0 && batchSize > maxBatchSize) {
    throw new ValidationError(
      `chroma option batchSize ${batchSize} exceeds the server's max batch size ${maxBatchSize}`,
      { field: 'batchSize' },
    );
  }
  // Chroma answers collection calls on a database that does not exist with empty results, so ask.
  const admin = new AdminClient({ host, port, ssl, headers });
  try {
    await admin.getDatabase({ name: database, tenant });
  } catch (error) {
    if (error instanceof ChromaNotFoundError) throw new NotFoundError('database', `${tenant}/${database}`);
    throw chromaError(error, `opening database '${database}' of tenant '${tenant}' at ${url}`);
  }
  options.logger.debug({ url, tenant, database, maxBatchSize }, 'chroma vector store open');
  return client;
}
