// The front door of agents: The agents a node can run: the built-in statecharts and the declarative tool-agents loaded from definition files.
// Other layers import it as '#agents' (package.json `imports`); a file not exported here is internal.
export * from './builtin-agents.js';
export * from './load-agents.js';
