// The front door of core: The ground layer: the error family, the logger and the clock. It imports nothing of the project; every layer may use it.
// Other layers import it as '#core' (package.json `imports`); a file not exported here is internal.
export * from './clock.js';
export * from './error-answers.js';
export * from './error-codes.js';
export * from './errors.js';
export * from './logger.js';
