import { z } from 'zod';
import { collectionName, metadataSchema, recordId, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { type VectorRecord, assertMetadata } from '#stores/vector';

interface RecordInput {
  id: string;
  vector: number[];
  metadata?: Record<string, unknown> | undefined;
  document?: string | undefined;
}

/** Narrows the zod shape's metadata to JSON, naming the record when it is not. */
function toRecord(collection: string) {
  return ({ id, vector, metadata, document }: RecordInput, index: number): VectorRecord => {
    const record: VectorRecord = { id, vector };
    if (metadata !== undefined) {
      assertMetadata(metadata, collection, `records[${index}] (id '${id}')`);
      record.metadata = metadata;
    }
    if (document !== undefined) record.document = document;
    return record;
  };
}

export const registerUpsertVectorsTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'upsert_vectors',
    {
      title: 'Upsert vectors',
      description:
        'Adds or replaces records made of your own vectors (no embedding, no chunking). Every vector must ' +
        "have the collection's dimension (see describe_collection). A record with an existing id replaces " +
        'its vector, metadata and document. The whole batch is checked before anything is written.',
      inputSchema: {
        collection: collectionName,
        records: z
          .array(
            z.object({
              id: recordId.describe('Record id'),
              vector: z.array(z.number()).min(1).describe("Numbers, as many as the collection's dimension"),
              metadata: metadataSchema.optional().describe('JSON object to filter on'),
              document: z.string().optional().describe('Text returned with query results'),
            }),
          )
          .min(1)
          .max(10_000),
      },
      outputSchema: { collection: z.string(), upserted: z.number().int() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ collection, records }) => {
      try {
        const { upserted } = await deps.store.upsert(collection, records.map(toRecord(collection)));
        return dataResult({ collection, upserted });
      } catch (error) {
        return errorResult(error, 'upsert_vectors', deps.logger);
      }
    },
  );
};
