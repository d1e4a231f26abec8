// The front door of core: The ground layer: the error family, the logger, the clock, and the field kinds every config section is declared with (secret marks, URLs). It imports nothing of the project; every layer may use it.
// Other layers import it as '#core' (package.json `imports`); a file not exported here is internal.
export * from './clock.js';
export * from './error-answers.js';
export * from './error-codes.js';
export * from './errors.js';
export * from './logger.js';
export * from './secret-fields.js';
export * from './url-field.js';
