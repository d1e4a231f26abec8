// The front door of runtime/config: Configuration: the schema, loading from file and environment, redaction for printing, secret strength.
// Other layers import it as '#runtime/config' (package.json `imports`); a file not exported here is internal.
export * from './config-schema.js';
export * from './load-config.js';
export * from './redact-config.js';
export * from './secret-strength.js';
