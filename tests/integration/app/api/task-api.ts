// An API over a real TaskService with the three keys the task-route tests use, and a client for it
// that goes through inject with a bearer key.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { createApi } from '../../../../app/api/create-api.js';
import type { McpHttpHandler } from '../../../../app/api/mcp-mount.js';
import type { TaskService } from '../../../../bridge/tasks/task-service.js';
import { type ApiHarness, bearer, recordingSql } from './api-harness.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The keys of the three named callers: `ops` (admin), `app` (call) and `viewer` (read). */
export interface TaskApiKeys {
  admin: string;
  caller: string;
  reader: string;
}

/** The API over `tasks`, the harness's catalog and fleet, a recording SQL, and `/mcp` when given; not yet listening. */
export function createTaskApi(
  harness: ApiHarness,
  tasks: TaskService,
  keys: TaskApiKeys,
  mcpHandler?: McpHttpHandler,
): Promise<FastifyInstance> {
  return createApi({
    catalog: harness.catalog,
    fleet: harness.fleet,
    sql: recordingSql(),
    tasks,
    ...(mcpHandler ? { mcpHandler } : {}),
    options: {
      keys: [
        { name: 'ops', key: keys.admin, scopes: ['read', 'call', 'admin'] },
        { name: 'app', key: keys.caller, scopes: ['read', 'call'] },
        { name: 'viewer', key: keys.reader, scopes: ['read'] },
      ],
    },
  });
}

export type TaskApiCall = (
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  key?: string,
  payload?: unknown,
) => Promise<{ status: number; body: Json; headers: Record<string, unknown> }>;

/** Calls `api` in process with `key` (`defaultKey` when none), and answers status, body and headers. */
export function taskApiCaller(api: () => FastifyInstance, defaultKey: string): TaskApiCall {
  return async (method, url, key = defaultKey, payload) => {
    const response = await api().inject({
      method,
      url,
      headers: bearer(key),
      // A write is JSON, `{}` when there is nothing to send (the API refuses other content types).
      ...(method === 'GET' ? {} : { payload: (payload ?? {}) as Json }),
    });
    return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
  };
}

/** Polls GET /v1/tasks/{id} with `key` until `pick` of its body is `value`; answers that body. */
export async function untilTask(
  call: TaskApiCall,
  runId: string,
  pick: (body: Json) => unknown,
  value: unknown,
  key?: string,
): Promise<Json> {
  let body: Json = {};
  await expect
    .poll(async () => pick((body = (await call('GET', `/v1/tasks/${runId}`, key)).body)), { timeout: 60_000 })
    .toBe(value);
  return body;
}
