// The front door of bridge/access: Who is calling and what they may see: caller identity and scopes, the disclosure of runs and approvals, argument redaction.
// Other layers import it as '#bridge/access' (package.json `imports`); a file not exported here is internal.
export * from './caller.js';
export * from './disclosure.js';
export * from './redact-arguments.js';
