// The front door of bridge/fleet: The supervised fleet of MCP upstreams: specs, transports (stdio, Streamable HTTP, in-process), states and restarts.
// Other layers import it as '#bridge/fleet' (package.json `imports`); a file not exported here is internal.
export * from './fleet.js';
export * from './upstream-events.js';
export * from './upstream-spec.js';
export * from './upstream-transport.js';
