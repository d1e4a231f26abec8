// The front door of mcp-servers/memory: The memory MCP server: a knowledge graph of entities, relations and observations, and its tables.
// Other layers import it as '#mcp-servers/memory' (package.json `imports`); a file not exported here is internal.
export * from './create-server.js';
export * from './memory-migrations.js';
