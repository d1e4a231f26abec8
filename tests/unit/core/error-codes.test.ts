import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  httpStatusOf,
  isErrorCode,
  JSON_RPC,
  jsonRpcCodeOf,
  toErrorCode,
} from '../../../core/index.js';
import { fromErrorPayload } from '../../../core/errors.js';

describe('the error vocabulary', () => {
  it('lists each code once, in snake_case', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
  });

  it('gives every code an HTTP error status and a JSON-RPC error code', () => {
    const jsonRpcCodes = new Set<number>(Object.values(JSON_RPC));
    for (const code of ERROR_CODES) {
      expect(httpStatusOf(code), code).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code), code).toBeLessThan(600);
      expect(jsonRpcCodes.has(jsonRpcCodeOf(code)), code).toBe(true);
    }
  });

  it('answers input errors as the caller’s to fix, on HTTP and JSON-RPC alike', () => {
    expect([httpStatusOf('validation_failed'), jsonRpcCodeOf('validation_failed')]).toEqual([400, -32602]);
    expect([httpStatusOf('not_found'), jsonRpcCodeOf('not_found')]).toEqual([404, -32602]);
    expect([httpStatusOf('run_state_invalid'), jsonRpcCodeOf('run_state_invalid')]).toEqual([409, -32602]);
    expect([httpStatusOf('bad_request'), jsonRpcCodeOf('bad_request')]).toEqual([400, -32600]);
    expect([httpStatusOf('internal'), jsonRpcCodeOf('internal')]).toEqual([500, -32603]);
    // What MCP's Streamable HTTP transport answers for its own refusals.
    expect([httpStatusOf('unauthorized'), jsonRpcCodeOf('unauthorized')]).toEqual([401, -32000]);
  });

  it('lets a code read at runtime in only when it is one of the vocabulary', () => {
    expect(isErrorCode('not_found')).toBe(true);
    expect(isErrorCode('bridge_api_error')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
    expect(toErrorCode('conflict')).toBe('conflict');
    expect(toErrorCode('something_new')).toBe('internal');
  });

  it('rebuilds a payload with a foreign code as internal, keeping the original in details', () => {
    const error = fromErrorPayload({ name: 'X', code: 'from_the_future', message: 'm', details: { a: 1 } });
    expect(error).toMatchObject({
      name: 'X',
      code: 'internal',
      details: { a: 1, originalCode: 'from_the_future' },
    });
  });
});
