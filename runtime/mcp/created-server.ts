import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * What every Switchyard MCP server's `createServer(deps)` returns (STYLE.md, after the reference
 * servers): the SDK server with its tools, resources and prompts registered, and a cleanup that
 * releases what this instance opened. Shared dependencies (stores, embedders) are owned by the
 * caller that composed them, not by the server.
 */
export interface CreatedServer {
  server: McpServer;
  cleanup(): Promise<void>;
}

/**
 * Makes one server instance. Over stdio there is one; over Streamable HTTP there is one per
 * session (an SDK server connects to exactly one transport).
 */
export type ServerFactory = () => CreatedServer | Promise<CreatedServer>;
