import type { Collection } from 'chromadb';
import { BackendError, NotFoundError } from '#core';
import { callChroma, describeError } from './chroma-errors.js';
import type { ChromaMetadata } from './chroma-metadata.js';

/**
 * The one write this backend sends over Chroma's REST API (`POST …/collections/{id}/upsert`)
 * itself instead of through the chromadb client, for two reasons verified against a real server:
 * 1. Chroma's upsert MERGES the new metadata into an existing record's: old keys stay unless the
 *    request sets them to null. The chromadb 3.x client drops null metadata values before
 *    sending, so it cannot remove a key, and a re-upserted record would stay filterable by keys
 *    it no longer has.
 * 2. The client's JSON writes an integral number as `5`, which Chroma stores as an integer, and
 *    Chroma 1.0 compares an integer-stored value with a fractional operand after truncating the
 *    operand (1 matches `$eq: 1.5` and fails `$lt: 1.2`). Every number is written as a float
 *    (`5.0`) instead; an integer operand is still compared with float values exactly.
 */

export interface UpsertRow {
  id: string;
  vector: readonly number[];
  document: string;
  metadata: ChromaMetadata;
  /** Keys the record holds now that the new metadata lacks: sent as null, which removes them. */
  removedKeys: readonly string[];
}

/** Where requests go: the same server, tenant, database and headers the chromadb client uses. */
export interface ChromaEndpoint {
  baseUrl: string;
  tenant: string;
  database: string;
  headers: Readonly<Record<string, string>>;
}

/**
 * Writes one batch: reads the keys its records hold now, then sends the upsert with the keys the
 * new metadata lacks set to null. Between the read and the write another writer of the same ids
 * can add keys this request does not remove (see ChromaVectorStore.upsert).
 */
export async function upsertBatch(
  endpoint: ChromaEndpoint,
  target: { collection: Collection; name: string },
  rows: readonly UpsertRow[],
  what: string,
): Promise<void> {
  const { collection, name } = target;
  const current = await callChroma(
    what,
    () => collection.get({ ids: rows.map((row) => row.id), include: ['metadatas'] }),
    name,
  );
  const previous = new Map(current.ids.map((id, i) => [id, current.metadatas[i] ?? {}]));
  const withRemovals = rows.map((row) => {
    const old = previous.get(row.id);
    return old
      ? { ...row, removedKeys: Object.keys(old).filter((key) => !Object.hasOwn(row.metadata, key)) }
      : row;
  });
  await postUpsert(endpoint, { id: collection.id, name }, upsertBody(withRemovals), what);
}

/** The JSON body of an upsert of `rows`, with numbers in metadata written as floats. */
export function upsertBody(rows: readonly UpsertRow[]): string {
  const metadatas = rows.map((row) => {
    const entries = Object.entries(row.metadata).map(
      ([key, value]) => `${JSON.stringify(key)}:${scalar(value)}`,
    );
    for (const key of row.removedKeys) entries.push(`${JSON.stringify(key)}:null`);
    return `{${entries.join(',')}}`;
  });
  return (
    `{"ids":${JSON.stringify(rows.map((row) => row.id))}` +
    `,"embeddings":${JSON.stringify(rows.map((row) => row.vector))}` +
    `,"documents":${JSON.stringify(rows.map((row) => row.document))}` +
    `,"metadatas":[${metadatas.join(',')}]}`
  );
}

/** A metadata value as JSON; an integral number gets a fraction so Chroma stores it as a float. */
export function scalar(value: string | number | boolean): string {
  const text = JSON.stringify(value);
  return typeof value === 'number' && /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** Sends one upsert; the server applies the batch as one unit. */
export async function postUpsert(
  endpoint: ChromaEndpoint,
  collection: { id: string; name: string },
  body: string,
  what: string,
): Promise<void> {
  const url =
    `${endpoint.baseUrl}/api/v2/tenants/${encodeURIComponent(endpoint.tenant)}` +
    `/databases/${encodeURIComponent(endpoint.database)}/collections/${encodeURIComponent(collection.id)}/upsert`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...endpoint.headers, 'content-type': 'application/json' },
      body,
    });
  } catch (error) {
    throw new BackendError(
      'chroma',
      `${what} failed: cannot reach ${endpoint.baseUrl}: ${describeError(error)}`,
      error,
    );
  }
  if (response.ok) {
    // Drain the body so the connection goes back to the pool.
    await response.arrayBuffer();
    return;
  }
  if (response.status === 404) throw new NotFoundError('collection', collection.name);
  throw new BackendError('chroma', `${what} failed: HTTP ${response.status}: ${await errorText(response)}`);
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
    return String(parsed.message ?? parsed.error ?? text);
  } catch {
    // Not JSON (a proxy's HTML page, say): the raw text is the best description there is.
    return text.slice(0, 500) || response.statusText;
  }
}
