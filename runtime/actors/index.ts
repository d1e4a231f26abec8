// The front door of runtime/actors: Durable agent runs: the agent contract, the run supervisor (XState actors, checkpoints, leases), run records and stores; the `agents` config section and the runs' tables.
// Other layers import it as '#runtime/actors' (package.json `imports`); a file not exported here is internal.
export * from './agent-definition.js';
export * from './agent-input.js';
export * from './agent-policy-schema.js';
export * from './define-agent.js';
export * from './machine-graph.js';
export * from './run-event-bus.js';
export * from './run-migrations.js';
export * from './run-records.js';
export * from './run-store.js';
export * from './run-supervisor.js';
export * from './sql-run-store.js';
export * from './tool-catalog.js';
export * from './unprovided.js';
