import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { describeCallFailure } from '../../../../app/api/call-errors.js';
import { CatalogNotFoundError } from '../../../../bridge/catalog/catalog-errors.js';
import {
  CircuitOpenError,
  UpstreamRequestError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../../../bridge/fleet/upstream-errors.js';

describe('describeCallFailure', () => {
  it('maps the catalog and fleet errors to HTTP statuses', () => {
    expect(describeCallFailure(new CatalogNotFoundError('tool', 'x'), false)).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect(
      describeCallFailure(new UpstreamUnavailableError('crm', 'restarting', 'exited'), false),
    ).toMatchObject({
      status: 503,
      code: 'upstream_unavailable',
      details: { server: 'crm', state: 'restarting' },
    });
    expect(describeCallFailure(new UpstreamTimeoutError('crm', 'tools/call', 100, null), false).status).toBe(
      504,
    );
    expect(
      describeCallFailure(new UpstreamRequestError('crm', 'tools/call', new Error('closed')), false).status,
    ).toBe(502);
  });

  it('gives an open circuit a Retry-After in whole seconds', () => {
    expect(describeCallFailure(new CircuitOpenError('crm', 5, 2500), false)).toMatchObject({
      status: 503,
      code: 'circuit_open',
      retryAfter: 3,
    });
  });

  it('answers bad params from the upstream with 400 and other JSON-RPC errors with 502', () => {
    expect(describeCallFailure(new ProtocolError(ProtocolErrorCode.InvalidParams, 'bad'), false).status).toBe(
      400,
    );
    expect(
      describeCallFailure(new ProtocolError(ProtocolErrorCode.InternalError, 'boom'), false).status,
    ).toBe(502);
  });

  it('names bad params from the upstream validation_failed, as our own argument checks', () => {
    expect(
      describeCallFailure(new ProtocolError(ProtocolErrorCode.InvalidParams, 'bad'), false),
    ).toMatchObject({
      code: 'validation_failed',
      details: { jsonrpcCode: ProtocolErrorCode.InvalidParams },
    });
    expect(describeCallFailure(new ProtocolError(ProtocolErrorCode.InternalError, 'boom'), false).code).toBe(
      'upstream_error',
    );
  });

  it('reports a call cancelled by the client as aborted, whatever the error', () => {
    expect(describeCallFailure(new Error('AbortError'), true)).toMatchObject({
      status: 499,
      code: 'aborted',
    });
    expect(describeCallFailure(new Error('odd'), false)).toMatchObject({ status: 500, code: 'internal' });
  });
});
