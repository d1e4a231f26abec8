import { QdrantClient, QdrantClientTimeoutError } from '@qdrant/js-client-rest';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../../../../core/errors.js';
import {
  displayUrl,
  httpStatusOf,
  qdrantFailure,
} from '../../../../stores/vector/backends/qdrant/qdrant-errors.js';
import { freePort } from '../../../support/free-port.js';

describe('qdrantFailure', () => {
  it('says connection refused and names the URL when the client cannot connect', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const client = new QdrantClient({ url, checkCompatibility: false });
    const thrown = await client.getCollections().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeDefined();
    const failure = qdrantFailure('list collections', thrown, url, 1000);
    expect(failure).toBeInstanceOf(BackendError);
    expect(failure.message).toBe(
      `qdrant: list collections failed: connection refused by ${url} (ECONNREFUSED): is Qdrant running there?`,
    );
    expect(failure.cause).toBe(thrown);
    expect(failure.details).toEqual({ backend: 'qdrant' });
  });

  it("quotes Qdrant's own error text and the HTTP status", () => {
    const answered = Object.assign(new Error('Bad Request'), {
      status: 400,
      data: { status: { error: 'Wrong input: Vector dimension error: expected dim: 3, got 2' } },
    });
    expect(httpStatusOf(answered)).toBe(400);
    expect(qdrantFailure("upsert into collection 'docs'", answered, 'http://q:6333', 1000).message).toBe(
      "qdrant: upsert into collection 'docs' failed: Qdrant at http://q:6333 answered HTTP 400: Wrong input: Vector dimension error: expected dim: 3, got 2",
    );
  });

  it('says how long it waited on a timeout', () => {
    const message = qdrantFailure(
      'count',
      new QdrantClientTimeoutError('aborted'),
      'http://q:6333',
      2500,
    ).message;
    expect(message).toBe('qdrant: count failed: no answer from Qdrant at http://q:6333 within 2500 ms');
  });

  it('never shows credentials of the URL', () => {
    expect(displayUrl('https://user:secret@q.example:6333/base/')).toBe('https://q.example:6333/base');
    expect(qdrantFailure('connect', new Error('boom'), 'http://u:p@h:1', 10).message).not.toContain('p@');
  });

  it('has no status for a failure that never got an answer', () => {
    expect(httpStatusOf(new TypeError('fetch failed'))).toBeUndefined();
    expect(httpStatusOf('nope')).toBeUndefined();
  });
});
