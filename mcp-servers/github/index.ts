// The front door of mcp-servers/github: The github MCP server (repositories, issues, pull requests through the GitHub REST API), and the `github` config section.
// Other layers import it as '#mcp-servers/github' (package.json `imports`); a file not exported here is internal.
export * from './create-server.js';
export * from './github-config-schema.js';
