import { McpServer } from '@modelcontextprotocol/server';
import type { Server } from '@modelcontextprotocol/server';

/**
 * What every Switchyard MCP server's `createServer(deps)` returns (mcp-servers/README.md, after the
 * reference servers): the SDK server with its tools, resources and prompts registered, and a cleanup that
 * releases what this instance opened. Shared dependencies (stores, embedders) are owned by the
 * caller that composed them, not by the server.
 */
export interface CreatedServer {
  server: McpServer;
  cleanup(): Promise<void>;
}

/**
 * What the runners can serve: a high-level McpServer, or a low-level SDK Server for a server that
 * handles the protocol itself (the bridge's front relays requests it does not know in advance).
 */
export interface ServedInstance {
  server: McpServer | Server;
  cleanup(): Promise<void>;
}

/**
 * Makes one server instance. Over stdio there is one; over Streamable HTTP there is one per
 * session (an SDK server connects to exactly one transport).
 */
export type ServerFactory<T extends ServedInstance = CreatedServer> = () => T | Promise<T>;

/** The low-level protocol server of either kind (where `onclose` is set). */
export function protocolServer(server: McpServer | Server): Server {
  return server instanceof McpServer ? server.server : server;
}
