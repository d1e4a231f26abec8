import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMcpServers } from '../../../../app/config/mcp-servers-schema.js';
import { resolveServers } from '../../../../app/config/resolve-servers.js';
import { startServers } from '../../../../app/config/server-changes.js';
import { createBuiltinTransportFactory } from '../../../../app/servers/builtin-transport.js';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import { type Config, ConfigSchema } from '../../../../app/config/config-schema.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { openSql } from '../../../../stores/sql/open-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';

// crm and memory both keep their data in the SQL store. Run in process they share the one
// PGlite database the caller opened; as child processes, the second would find it locked.

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

describe('built-in crm and memory in one fleet', () => {
  let home: string;
  let sql: Sql;
  let fleet: Fleet;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'switchyard-builtins-'));
    // pgvector on the same PGlite (the default backend), so memory opens nothing of its own.
    const config: Config = { ...ConfigSchema.parse({}), home };
    sql = await openSql({ home, migrations: MIGRATIONS });
    fleet = new Fleet({ createTransport: createBuiltinTransportFactory({ config, sql }) });
    const servers = resolveServers(
      parseMcpServers({ crm: { builtin: 'crm' }, memory: { builtin: 'memory', pingIntervalMs: 0 } }),
    );
    await startServers(fleet, servers);
    await Promise.all(fleet.names().map((name) => fleet.require(name).waitUntilReady({ timeoutMs: 60_000 })));
  });

  afterAll(async () => {
    await fleet?.stop();
    await sql?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('serves both from one SQL store, with no child process', async () => {
    expect(fleet.list().map((row) => [row.name, row.transport, row.state, row.pid])).toEqual([
      ['crm', 'builtin', 'ready', undefined],
      ['memory', 'builtin', 'ready', undefined],
    ]);
    const account = await fleet
      .require('crm')
      .callTool('create_account', { name: 'Acme Corp', owner: 'ana' });
    expect(account.isError, textOf(account)).toBeFalsy();
    const entities = await fleet.require('memory').callTool('create_entities', {
      entities: [{ name: 'Acme Corp', entityType: 'company', observations: ['renewal due in June'] }],
    });
    expect(entities.isError, textOf(entities)).toBeFalsy();

    const count = async (table: string) =>
      Number((await sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]!.n);
    expect(await count('crm_accounts')).toBe(1);
    expect(await count('memory_entities')).toBe(1);
  });

  it('restarts one in process with a new instance on the same store', async () => {
    const crm = fleet.require('crm');
    await crm.restart('test');
    expect(crm.state).toBe('ready');
    const found = await crm.callTool('search_accounts', { query: 'Acme' });
    expect(found.isError, textOf(found)).toBeFalsy();
    expect(textOf(found)).toContain('Acme Corp');
    expect(fleet.require('memory').state).toBe('ready');
  });
});
