// The front door of mcp-servers/vector: The vector MCP server: collections, upserts and similarity queries over the vector layer.
// Other layers import it as '#mcp-servers/vector' (package.json `imports`); a file not exported here is internal.
export * from './create-server.js';
