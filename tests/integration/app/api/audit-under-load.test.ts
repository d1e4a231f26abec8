import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../../app/api/audit-log.js';
import { observeMcpCalls } from '../../../../app/api/observe-mcp-calls.js';
import { ToolCallEvents } from '../../../../app/api/tool-call-events.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { PgSql } from '../../../../stores/sql/pg-sql.js';
import { freePort } from '../../../support/free-port.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../support/postgres.js';

// Audit completeness under load: N concurrent calls through the MCP front's observer give N audit
// rows on a real PostgreSQL reached through a TCP relay this test controls, even when that relay
// makes the database slow or cuts it off for a while; and finishing a call never waits for its row.

const CALLS = 300;
/** The relay's added delay per chunk in the slow case: one database round trip takes longer. */
const SLOW_DELAY_MS = 200;
/**
 * What finishing one call may take at most, its row queued: under one slowed round trip, so it
 * cannot have waited for the database, with room for a GC pause on a loaded machine.
 */
const FINISH_BUDGET_MS = SLOW_DELAY_MS / 2;

/** A TCP relay to the PostgreSQL server that can delay every chunk, or refuse and cut connections. */
class DatabaseRelay {
  delayMs = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const relay = (from: Socket, to: Socket) =>
        from.on('data', (chunk) => {
          if (this.delayMs === 0) to.write(chunk);
          else setTimeout(() => to.write(chunk), this.delayMs);
        });
      relay(client, upstream);
      relay(upstream, client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** The database is gone: open connections are cut, new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}

describe.each([
  { driver: 'the driver retrying (default)', retryForMs: undefined },
  { driver: 'the driver giving up at once', retryForMs: 0 },
])('audit rows of concurrent MCP calls on PostgreSQL, $driver', ({ retryForMs }) => {
  const schema = uniqueSchema('audit_load');
  const url = new URL(TEST_DATABASE_URL);
  let relay: DatabaseRelay;
  let sql: PgSql;
  let audit: AuditLog;

  beforeAll(async () => {
    relay = new DatabaseRelay(await freePort(), { host: url.hostname, port: Number(url.port || 5432) });
    await relay.open();
    const viaRelay = new URL(TEST_DATABASE_URL);
    viaRelay.host = `127.0.0.1:${relay.port}`;
    sql = await new PgSql({
      connectionString: viaRelay.toString(),
      schema,
      maxConnections: 2,
      ...(retryForMs === undefined ? {} : { retryForMs }),
    }).open();
    await migrate(sql, MIGRATIONS);
    audit = new AuditLog(sql, { redact: [] });
  });
  afterAll(async () => {
    await relay?.open();
    await audit?.flush();
    await sql?.close();
    await relay?.cut();
    await dropSchema(schema);
  });

  /** Starts `n` calls at once and finishes them in a shuffled order; the slowest finish, in ms. */
  async function concurrentCalls(tag: string, n: number): Promise<number> {
    const observe = observeMcpCalls(new ToolCallEvents(), audit);
    const started = Array.from({ length: n }, (_, i) =>
      observe({ tool: 'echo__echo', server: 'echo', arguments: { text: `${tag}-${i}` }, caller: 'load' }),
    );
    let slowest = 0;
    await Promise.all(
      started.map(async (finish, i) => {
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        const before = performance.now();
        finish({ outcome: 'ok' });
        slowest = Math.max(slowest, performance.now() - before);
      }),
    );
    return slowest;
  }

  async function rowsOf(tag: string): Promise<string[]> {
    const { rows } = await sql.query<{ text: string }>(
      `SELECT arguments->>'text' AS text FROM audit_tool_calls WHERE arguments->>'text' LIKE $1 ORDER BY id`,
      [`${tag}-%`],
    );
    return rows.map((r) => r.text);
  }

  const expected = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}-${i}`).sort();

  it('writes one row per call while every database round trip takes 200 ms more, and no call waits for it', async () => {
    relay.delayMs = SLOW_DELAY_MS;
    try {
      const slowest = await concurrentCalls('slow', CALLS);
      expect(slowest).toBeLessThan(FINISH_BUDGET_MS);
      await expect
        .poll(async () => (await rowsOf('slow')).sort(), { timeout: 30_000, interval: 250 })
        .toEqual(expected('slow', CALLS));
    } finally {
      relay.delayMs = 0;
    }
  });

  it('writes every row of the calls made while the database was cut off, once it is back', async () => {
    await relay.cut();
    const slowest = await concurrentCalls('outage', CALLS / 2);
    // The first batch meets the outage (250 ms window), and the rest queue behind it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const slowestLater = await concurrentCalls('outage-late', CALLS / 2);
    expect(Math.max(slowest, slowestLater)).toBeLessThan(FINISH_BUDGET_MS);
    await relay.open();
    await expect
      .poll(async () => (await rowsOf('outage')).sort(), { timeout: 30_000, interval: 250 })
      .toEqual([...expected('outage', CALLS / 2), ...expected('outage-late', CALLS / 2)].sort());
    expect(audit.pending).toBe(0);
  });
});
