import { z } from 'zod';
import { ValidationError } from '#core';
import { parseFilter } from '#stores/vector';
import { collectionName, FILTER_HELP, filterSchema, recordId, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { SOURCE_ID_KEY } from '../write-documents.js';

export const registerDeleteTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'delete',
    {
      title: 'Delete records',
      description:
        'Deletes records by `ids` or by `filter` (exactly one). An id deletes the record with that id and, ' +
        'when it is a document id given to upsert_documents, every chunk of that document (records whose ' +
        `metadata.source_id is the id); a chunk id like "doc#2" deletes that chunk only. ${FILTER_HELP} ` +
        'An empty filter is refused: use drop_collection to remove everything.',
      inputSchema: {
        collection: collectionName,
        ids: z.array(recordId).min(1).max(10_000).optional().describe('Document ids or record ids'),
        filter: filterSchema.optional(),
      },
      outputSchema: { collection: z.string(), deleted: z.number().int() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ collection, ids, filter }) => {
      try {
        if ((ids === undefined) === (filter === undefined)) {
          throw new ValidationError('give exactly one of `ids` (a non-empty array) or `filter` (an object)');
        }
        if (ids !== undefined) {
          // Record ids first, then the chunks of documents: a record removed by the first step is
          // not counted again by the second.
          const direct = await deps.store.delete(collection, { ids });
          const chunks = await deps.store.delete(collection, { filter: { [SOURCE_ID_KEY]: { $in: ids } } });
          return dataResult({ collection, deleted: direct.deleted + chunks.deleted });
        }
        // An empty filter matches every record; deleting everything by accident is not a filter's job.
        if (parseFilter(filter) === null) {
          throw new ValidationError(
            'the filter is empty and would delete every record; use drop_collection for that',
          );
        }
        return dataResult({ collection, ...(await deps.store.delete(collection, { filter: filter! })) });
      } catch (error) {
        return errorResult(error, 'delete', deps.logger);
      }
    },
  );
};
