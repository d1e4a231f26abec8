// The front door of mcp-servers/filesystem: The filesystem MCP server, and the path guard that keeps every path inside its roots, and the `filesystem` config section.
// Other layers import it as '#mcp-servers/filesystem' (package.json `imports`); a file not exported here is internal.
export * from './create-server.js';
export * from './filesystem-config-schema.js';
export * from './path-guard.js';
export * from './protected-directories.js';
