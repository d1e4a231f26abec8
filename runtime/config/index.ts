// The front door of runtime/config: What configuration shares below the composition root: the vocabulary of API scopes, the default redacted fields, redaction of a parsed configuration for printing, secret strength, the https-or-loopback rule. Each section's schema lives with its owner; app/config assembles the whole and loads it.
// Other layers import it as '#runtime/config' (package.json `imports`); a file not exported here is internal.
export * from './api-scopes.js';
export * from './https-or-loopback.js';
export * from './redact-config.js';
export * from './redacted-fields.js';
export * from './secret-strength.js';
