import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { CreatedServer } from '../../runtime/mcp/created-server.js';

/** A server instance and an SDK client joined by the SDK's in-memory transport pair. */
export interface InMemoryConnection {
  client: Client;
  created: CreatedServer;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Closes the client, runs the server's cleanup and closes the server. */
  close(): Promise<void>;
}

export async function connectInMemory(
  created: CreatedServer,
  client: Client = new Client({ name: 'switchyard-test', version: '1.0.0' }),
): Promise<InMemoryConnection> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await Promise.all([client.connect(clientTransport), created.server.connect(serverTransport)]);
  return {
    client,
    created,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await created.cleanup();
      await created.server.close();
    },
  };
}

/** The text parts of a result, joined; other parts as JSON. */
export function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : JSON.stringify(part))).join('');
}

/** The structured content of a successful call; fails the test with the error text otherwise. */
export function dataOf<T>(result: CallToolResult): T {
  if (result.isError) throw new Error(`tool failed: ${textOf(result)}`);
  return result.structuredContent as T;
}
