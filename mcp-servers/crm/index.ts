// The front door of mcp-servers/crm: The crm MCP server (accounts, contacts, deals, activities), its demo seed and its tables.
// Other layers import it as '#mcp-servers/crm' (package.json `imports`); a file not exported here is internal.
export * from './create-server.js';
export * from './crm-migrations.js';
export * from './seed/seed-crm.js';
