import { describe, expect, it } from 'vitest';
import {
  isLostTransactionError,
  isTransientStatementError,
  isUnsentCommitError,
} from '../../../../stores/sql/transient-errors.js';

// The rules that decide what PgSql runs again. A lone statement whose connection closed under it
// may have taken effect; a transaction before COMMIT cannot have; COMMIT only when never sent.
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const closedUnderWay = new Error('Connection terminated unexpectedly');
const notQueryable = new Error('Client has encountered a connection error and is not queryable');
const adminShutdown = withCode('terminating connection due to administrator command', '57P01');
const uniqueViolation = withCode('duplicate key value violates unique constraint', '23505');

describe('transient database errors', () => {
  it('a lone statement is sent again only when the server said it had no effect, or it was never sent', () => {
    expect(isTransientStatementError(adminShutdown)).toBe(true);
    expect(isTransientStatementError(notQueryable)).toBe(true);
    expect(isTransientStatementError(closedUnderWay)).toBe(false);
    expect(isTransientStatementError(uniqueViolation)).toBe(false);
  });

  it('a transaction that lost its connection before COMMIT is run again, however the loss was heard', () => {
    for (const lost of [
      adminShutdown,
      notQueryable,
      closedUnderWay,
      withCode('read ECONNRESET', 'ECONNRESET'),
    ])
      expect(isLostTransactionError(lost)).toBe(true);
    expect(isLostTransactionError(uniqueViolation)).toBe(false);
    expect(isLostTransactionError(new Error('the application threw'))).toBe(false);
  });

  it('a COMMIT is sent again only when it never left the client', () => {
    expect(isUnsentCommitError(notQueryable)).toBe(true);
    expect(isUnsentCommitError(closedUnderWay)).toBe(false);
    expect(isUnsentCommitError(adminShutdown)).toBe(false);
  });
});
