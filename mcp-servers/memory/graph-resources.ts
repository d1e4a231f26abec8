import { ResourceTemplate, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { McpServer } from '@modelcontextprotocol/server';
import { openNodes, readGraph } from './graph-reads.js';
import type { MemoryToolDeps } from './schemas.js';

export const GRAPH_URI = 'memory://graph';
export const ENTITY_URI_PREFIX = 'memory://entities/';

/**
 * `memory://graph` (what read_graph returns) and `memory://entities/{name}` (what open_nodes
 * returns for one name), as JSON, so a client can attach them as context without a tool call.
 */
export function registerGraphResources(server: McpServer, deps: MemoryToolDeps): void {
  server.registerResource(
    'graph',
    GRAPH_URI,
    {
      title: 'Knowledge graph',
      description: 'Every entity with its observations and every relation',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(await readGraph(deps.sql), null, 2),
        },
      ],
    }),
  );

  server.registerResource(
    'entity',
    new ResourceTemplate(`${ENTITY_URI_PREFIX}{name}`, {
      // Listing every entity could be huge; clients open a name they know (or search first).
      list: undefined,
      complete: {
        name: async (prefix) => {
          const { rows } = await deps.sql.query<{ name: string }>(
            'SELECT name FROM memory_entities WHERE starts_with(name, $1) ORDER BY name LIMIT 100',
            [prefix],
          );
          return rows.map((row) => row.name);
        },
      },
    }),
    {
      title: 'Entity',
      description: 'One entity with its observations and the relations that touch it',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const name = decodeURIComponent(String(variables['name']));
      const graph = await openNodes(deps.sql, [name]);
      // A resource read has no isError result: a missing entity is the client's invalid parameter.
      if (graph.entities.length === 0) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          `Entity with name ${name} not found; call search_nodes to find names`,
        );
      }
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(graph, null, 2) }],
      };
    },
  );
}
