import type { FastifyInstance } from 'fastify';
import type { SqlExecutor } from '#stores/sql';
import type { Fleet } from '#bridge/fleet';
import type { ApiMetrics } from './api-metrics.js';

export interface HealthDeps {
  fleet: Fleet;
  sql: SqlExecutor;
  metrics: ApiMetrics;
  readyTimeoutMs: number;
  /** The task queue's engine (Redis, PostgreSQL), when the API serves tasks. @defaultValue none */
  queue?: { readonly kind: string; ping(timeoutMs: number): Promise<void> };
}

/**
 * `GET /health` (live: 200 while the process serves, no auth), `GET /ready` (200 when every
 * upstream in the fleet, i.e. every enabled one, is `ready`, SQL answers `SELECT 1` and the task
 * queue's engine answers; else 503 with the reasons) and `GET /metrics` (Prometheus text, `read` scope).
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get(
    '/health',
    { config: { scope: 'public', rateLimit: false }, schema: { summary: 'Liveness', tags: ['health'] } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      config: { scope: 'read' },
      schema: { summary: 'Readiness: upstreams and the SQL store', tags: ['health'] },
    },
    async (_request, reply) => {
      const reasons: string[] = [];
      for (const info of deps.fleet.list())
        if (info.state !== 'ready') reasons.push(`upstream '${info.name}' is ${info.state}: ${info.reason}`);
      const [sqlProblem, queueProblem] = await Promise.all([
        checkSql(deps.sql, deps.readyTimeoutMs),
        deps.queue
          ?.ping(deps.readyTimeoutMs)
          .then(() => undefined)
          .catch((error: unknown) => (error instanceof Error ? error.message : String(error))),
      ]);
      if (sqlProblem) reasons.push(`sql: ${sqlProblem}`);
      // Tasks are still accepted (they are persisted first) and run once the queue is back.
      if (queueProblem)
        reasons.push(
          `queue (${deps.queue!.kind}): ${queueProblem}; tasks are accepted and start once it is back`,
        );
      return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons });
    },
  );

  app.get(
    '/metrics',
    { config: { scope: 'read' }, schema: { summary: 'Prometheus metrics', tags: ['health'] } },
    async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.text()),
  );
}

/** Undefined when `SELECT 1` answers within `timeoutMs`, else what went wrong. */
async function checkSql(sql: SqlExecutor, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer to SELECT 1 within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([sql.query('SELECT 1').then(() => undefined), timeout]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}
