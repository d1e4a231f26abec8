// The front door of bridge/catalog: The merged tool catalog over the fleet: one namespace (`server__tool`), calls routed to the server that owns the tool.
// Other layers import it as '#bridge/catalog' (package.json `imports`); a file not exported here is internal.
export * from './catalog-entries.js';
export * from './catalog-tool-source.js';
export * from './catalog.js';
export * from './first-text.js';
export * from './tool-names.js';
export * from './tool-call-failure.js';
export * from './client-elicitation.js';
