import { ConflictError } from '#core';

/**
 * An update that named a version the record has moved past: someone else changed it since the
 * caller read it. Refused, never merged silently (optimistic concurrency).
 */
export class StaleVersionError extends ConflictError {
  constructor(type: string, id: string, expected: number, current: number) {
    super(`${type} ${id} is at version ${current}, not ${expected}: it changed since you read it`, {
      type,
      id,
      expectedVersion: expected,
      currentVersion: current,
    });
    this.name = 'StaleVersionError';
  }
}

/** An idempotency key already spent on a create with other values. */
export class IdempotencyKeyReusedError extends ConflictError {
  constructor(type: string, key: string, existingId: string, fields: string[]) {
    super(
      `idempotency key '${key}' already created ${type} ${existingId} with different ${fields.join(', ')}`,
      { type, idempotencyKey: key, existingId, fields },
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}
