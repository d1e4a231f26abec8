import { ResourceTemplate, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { McpServer } from '@modelcontextprotocol/server';
import { NotFoundError } from '#core';
import type { VectorToolDeps } from './schemas.js';

export const COLLECTIONS_URI = 'vector://collections';

/**
 * `vector://collections` (every collection with its definition and size) and
 * `vector://collections/{name}` (one of them), as JSON. A client can attach them as context
 * without a tool call.
 */
export function registerCollectionResources(server: McpServer, deps: VectorToolDeps): void {
  server.registerResource(
    'collections',
    COLLECTIONS_URI,
    {
      title: 'Vector collections',
      description: 'Every collection with its dimension, metric and record count',
      mimeType: 'application/json',
    },
    async (uri) => {
      const names = await deps.store.listCollections();
      const collections = await Promise.all(names.map((name) => deps.store.describeCollection(name)));
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ collections }) }],
      };
    },
  );

  server.registerResource(
    'collection',
    new ResourceTemplate(`${COLLECTIONS_URI}/{name}`, {
      list: async () => ({
        resources: (await deps.store.listCollections()).map((name) => ({
          uri: `${COLLECTIONS_URI}/${name}`,
          name,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        name: async (prefix) =>
          (await deps.store.listCollections()).filter((name) => name.startsWith(prefix)),
      },
    }),
    {
      title: 'Vector collection',
      description: "One collection's dimension, metric and record count",
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const name = String(variables['name']);
      try {
        const info = await deps.store.describeCollection(decodeURIComponent(name));
        return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(info) }] };
      } catch (error) {
        // A resource read has no isError result: a missing collection is the client's invalid parameter.
        if (error instanceof NotFoundError) {
          throw new ProtocolError(
            ProtocolErrorCode.InvalidParams,
            `${error.message}; read ${COLLECTIONS_URI} for the names`,
          );
        }
        throw error;
      }
    },
  );
}
