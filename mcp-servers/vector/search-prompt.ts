import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { collectionName } from './schemas.js';

/** A prompt that asks the model to answer a question from a collection, citing what it used. */
export function registerSearchPrompt(server: McpServer): void {
  server.registerPrompt(
    'search_collection',
    {
      title: 'Search a collection',
      description: 'Answer a question from the documents of one collection, citing the chunks used',
      argsSchema: z.object({
        collection: collectionName,
        question: z.string().min(1).describe('What to find out'),
      }),
    },
    ({ collection, question }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Answer this question from the collection "${collection}": ${question}\n\n` +
              `Call the query tool with {"collection": "${collection}", "text": <your search text>} — ` +
              'rephrase and query again if the results are weak — and answer only from the returned ' +
              'documents, citing each by its metadata.source_id. Say so if they do not contain the answer.',
          },
        },
      ],
    }),
  );
}
