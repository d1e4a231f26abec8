import { progressReporter } from '#runtime/mcp';
import { z } from 'zod';
import { collectionName, metadataSchema, recordId, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { writeDocuments } from '../write-documents.js';

const MAX_DOCUMENTS = 1000;
const MAX_TEXT_CHARS = 1_000_000;

export const registerUpsertDocumentsTool: RegisterTool = (server, deps) => {
  const { maxChars, overlap } = deps.chunking;
  server.registerTool(
    'upsert_documents',
    {
      title: 'Upsert documents',
      description:
        `Adds or replaces text documents in a collection. Each text is cut into chunks of at most ${maxChars} ` +
        `characters (by paragraphs and sentences, ${overlap} characters of overlap), embedded by the server ` +
        'and stored as records "<id>#0", "<id>#1", … whose metadata is the document\'s plus "source_id" ' +
        '(the document id) and "chunk" (the index). Upserting an id again replaces all of its old chunks. ' +
        "The collection must have been created with the embedder's dimension (create_collection without a " +
        'dimension). Sends progress notifications when asked; a cancelled call keeps the chunks written so far.',
      inputSchema: {
        collection: collectionName,
        documents: z
          .array(
            z.object({
              // Room is left for the '#<n>' suffix within the store's 512-character id limit.
              id: recordId.max(500).describe('Document id; its chunks get ids "<id>#<n>"'),
              text: z.string().min(1).max(MAX_TEXT_CHARS).describe('The text to chunk and embed'),
              metadata: metadataSchema
                .optional()
                .describe('JSON object copied onto every chunk; keys "source_id" and "chunk" are reserved'),
            }),
          )
          .min(1)
          .max(MAX_DOCUMENTS)
          .describe(`1 to ${MAX_DOCUMENTS} documents`),
      },
      outputSchema: {
        collection: z.string(),
        documents: z.number().int().describe('Documents fully written'),
        chunks: z.number().int().describe('Chunks written'),
        totalChunks: z.number().int(),
        staleChunksDeleted: z
          .number()
          .int()
          .describe('Old chunks past the new end of a re-upserted document'),
        cancelled: z.boolean(),
        incomplete: z.array(z.string()).describe('Document ids to upsert again after a cancellation'),
      },
      // Destructive: an existing document with the same id is overwritten. Idempotent: the same
      // call twice leaves the same chunks (chunking and the embedders are deterministic).
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ collection, documents }, extra) => {
      const reportProgress = progressReporter(extra, deps.logger);
      const signal = AbortSignal.any([extra.mcpReq.signal, deps.shutdown]);
      try {
        const report = await writeDocuments({
          store: deps.store,
          embedder: deps.embedder,
          collection,
          documents,
          chunking: deps.chunking,
          signal,
          onProgress: (written, total) =>
            reportProgress(written, total, `wrote ${written} of ${total} chunks`),
        });
        // A cancelled request gets no response (MCP cancellation), so the log is where this is reported.
        if (report.cancelled) deps.logger.info({ report }, 'upsert_documents cancelled');
        return dataResult({ ...report });
      } catch (error) {
        return errorResult(error, 'upsert_documents', deps.logger);
      }
    },
  );
};
