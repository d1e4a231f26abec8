// The front door of bridge/front: The MCP front: the merged catalog served to MCP clients over stdio and Streamable HTTP.
// Other layers import it as '#bridge/front' (package.json `imports`); a file not exported here is internal.
export * from './front-http-handler.js';
export * from './front-hub.js';
export * from './front-server.js';
