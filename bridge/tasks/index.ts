// The front door of bridge/tasks: Runs and tasks seen from the bridge: submit, status, approvals and dead letters, and the catalog tools over them.
// Other layers import it as '#bridge/tasks' (package.json `imports`); a file not exported here is internal.
export * from './task-service.js';
export * from './task-tools.js';
