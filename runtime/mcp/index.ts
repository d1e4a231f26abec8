// The front door of runtime/mcp: What every MCP server of the project shares: how it is created and served (stdio, HTTP), tool results, progress, origin checks.
// Other layers import it as '#runtime/mcp' (package.json `imports`); a file not exported here is internal.
export * from './created-server.js';
export * from './mcp-http-endpoint.js';
export * from './progress.js';
export * from './request-origin.js';
export * from './serve-http.js';
export * from './serve-stdio.js';
export * from './tool-result.js';
