/**
 * Switchyard's local error family: every error carries a stable string `code` that callers
 * branch on, and a `details` object that says what and where. These survive a process boundary
 * through {@link toErrorPayload} / {@link fromErrorPayload}.
 *
 * This module imports nothing from the project, so every layer (stores included) may use it.
 */

import { type ErrorCode, isErrorCode } from './error-codes.js';

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Input that fails validation: a config field, a tool argument, a record, a filter. */
export class ValidationError extends SwitchyardError {
  constructor(message: string, details: ErrorDetails = {}, cause?: unknown) {
    super('validation_failed', message, { details, cause });
  }
}

/** A named thing (collection, run, server) that does not exist. */
export class NotFoundError extends SwitchyardError {
  constructor(kind: string, name: string) {
    super('not_found', `${kind} '${name}' does not exist`, { details: { kind, name } });
  }
}

/** Creating a thing that already exists, with a different definition. */
export class ConflictError extends SwitchyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('conflict', message, { details });
  }
}

/** A backend that cannot do what was asked (an operator it cannot express, a missing extension). */
export class UnsupportedError extends SwitchyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('unsupported', message, { details });
  }
}

/** A configuration file or environment variable that is missing or wrong. */
export class ConfigError extends SwitchyardError {
  constructor(message: string, details: ErrorDetails = {}, cause?: unknown) {
    super('config_invalid', message, { details, cause });
  }
}

/** A service or backend that did not answer or answered with a failure. */
export class BackendError extends SwitchyardError {
  constructor(backend: string, message: string, cause?: unknown) {
    super('backend_failed', `${backend}: ${message}`, { details: { backend }, cause });
  }
}

/**
 * An error as it is stored and sent. Its `code` is a string, not an ErrorCode: a payload is read
 * back from rows and wires that an older or newer process may have written.
 */
export interface ErrorPayload {
  name: string;
  code: string;
  message: string;
  details: ErrorDetails;
}

/** Serializes any thrown value to a JSON-safe payload (job results, wire frames, logs). */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof SwitchyardError) {
    return { name: error.name, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof Error)
    return { name: error.name, code: 'internal', message: error.message, details: {} };
  return { name: 'Error', code: 'internal', message: String(error), details: {} };
}

/**
 * Rebuilds an error from a payload; the result keeps the original `name`, and its `code` when the
 * code is one of the vocabulary. A code this process does not know becomes `internal`, the
 * original kept as `details.originalCode`, so a front never answers a code it has no status for.
 */
export function fromErrorPayload(payload: ErrorPayload): SwitchyardError {
  const { code } = payload;
  const error = isErrorCode(code)
    ? new SwitchyardError(code, payload.message, { details: payload.details })
    : new SwitchyardError('internal', payload.message, {
        details: { ...payload.details, originalCode: code },
      });
  error.name = payload.name;
  return error;
}
