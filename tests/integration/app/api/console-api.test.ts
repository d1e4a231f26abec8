import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { CONSOLE_CSP } from '../../../../app/api/console-routes.js';
import { createApi } from '../../../../app/api/create-api.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { type ApiHarness, createApiHarness } from './api-harness.js';

// What the API adds for the web console: the pages themselves (with their CSP), /v1/session,
// /v1/audit, the admin's restart / stop of an upstream, and a WebSocket key a browser can send.

const KEYS = {
  reader: '5b0e7c3a9f1d2e8b4a6c0f3e7d1b9a5c2e8f4d0b',
  caller: '9a4c2e7f1b8d3a6e0c5f9b2d7e4a1c8f3b6d0e5a',
  admin: '2f7b1d9e4a0c6f3b8e5d2a7c1f9e4b0d6a3c8f5e',
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let harness: ApiHarness;
let sql: Sql;
let api: FastifyInstance;
let assets: string;
let url: string;

beforeAll(async () => {
  harness = await createApiHarness();
  sql = await PgliteSql.open({});
  await migrate(sql, MIGRATIONS);
  // A console build of two files stands in for console/dist.
  assets = mkdtempSync(join(tmpdir(), 'console-assets-'));
  mkdirSync(join(assets, 'assets'));
  writeFileSync(join(assets, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(assets, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(tmpdir(), 'console-secret.txt'), 'outside the console');
  api = await createApi({
    catalog: harness.catalog,
    fleet: harness.fleet,
    sql,
    consoleAssets: assets,
    options: {
      keys: [
        { name: 'reader', key: KEYS.reader, scopes: ['read'] },
        { name: 'caller', key: KEYS.caller, scopes: ['read', 'call'] },
        { name: 'admin', key: KEYS.admin, scopes: ['read', 'call', 'admin'] },
      ],
      redact: ['password'],
    },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  url = `127.0.0.1:${(api.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await api?.close();
  await sql?.close();
  await harness?.close();
  if (assets) rmSync(assets, { recursive: true, force: true });
});

describe('the console pages', () => {
  it('redirects / to /console/, and answers every console path with the page under a strict CSP', async () => {
    const root = await api.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/console/');
    for (const path of ['/console/', '/console/runs/run-1', '/console/approvals']) {
      const page = await api.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>console</title>');
      expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(page.headers['x-frame-options']).toBe('DENY');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    const script = await api.inject({ method: 'GET', url: '/console/assets/index-abc.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toContain('immutable');
  });

  it('serves nothing outside its folder, and a missing file is a 404', async () => {
    // A climbing path leaves /console/ (so it is no console route: the API refuses it unauthenticated)
    // or stays inside it; either way the file next to the folder is never sent.
    for (const path of [
      '/console/../console-secret.txt',
      '/console/%2e%2e/console-secret.txt',
      '/console/..%2fconsole-secret.txt',
    ]) {
      const reply = await api.inject({ method: 'GET', url: path });
      // Refused as a client's error (401, 400, 403 or 404 depending on where it stops), never sent.
      expect(reply.statusCode).toBeGreaterThanOrEqual(400);
      expect(reply.statusCode).toBeLessThan(500);
      expect(reply.body).not.toContain('outside the console');
    }
    expect((await api.inject({ method: 'GET', url: '/console/nope.js' })).statusCode).toBe(404);
  });

  it('still checks Host and Origin on the console pages', async () => {
    const foreign = await api.inject({
      method: 'GET',
      url: '/console/',
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.statusCode).toBe(403);
    const rebound = await api.inject({ method: 'GET', url: '/console/', headers: { host: 'evil.example' } });
    expect(rebound.statusCode).toBe(421);
  });

  it('answers 503 with how to build it when the console was not built', async () => {
    const bare = await createApi({
      catalog: harness.catalog,
      fleet: harness.fleet,
      sql,
      consoleAssets: null,
    });
    try {
      const reply = await bare.inject({ method: 'GET', url: '/console/' });
      expect(reply.statusCode).toBe(503);
      expect(reply.json().error.message).toContain('npm run setup');
    } finally {
      await bare.close();
    }
  });
});

describe('GET /v1/session', () => {
  it("answers the key's name and scopes, and refuses a wrong key", async () => {
    const reader = await api.inject({ method: 'GET', url: '/v1/session', headers: bearer(KEYS.reader) });
    expect(reader.json()).toEqual({ name: 'reader', scopes: ['read'], open: false });
    const admin = await api.inject({ method: 'GET', url: '/v1/session', headers: bearer(KEYS.admin) });
    expect(admin.json()).toEqual({ name: 'admin', scopes: ['read', 'call', 'admin'], open: false });
    expect(
      (await api.inject({ method: 'GET', url: '/v1/session', headers: bearer('0'.repeat(40)) })).statusCode,
    ).toBe(401);
  });

  it('is anonymous with every scope on an open API', async () => {
    const open = await createApi({
      catalog: harness.catalog,
      fleet: harness.fleet,
      sql,
      consoleAssets: null,
    });
    try {
      expect((await open.inject({ method: 'GET', url: '/v1/session' })).json()).toEqual({
        name: 'anonymous',
        scopes: ['read', 'call', 'admin'],
        open: true,
      });
    } finally {
      await open.close();
    }
  });
});

describe('GET /v1/audit', () => {
  it('finds calls by key, tool and outcome, newest first, with arguments redacted; admin only', async () => {
    const callTool = (key: string, tool: string, args: Record<string, unknown>) =>
      api.inject({
        method: 'POST',
        url: `/v1/tools/${tool}/call`,
        headers: { ...bearer(key), 'content-type': 'application/json' },
        payload: { arguments: args },
      });
    await callTool(KEYS.caller, 'main__echo', { text: 'one', password: 'hunter2' });
    await callTool(KEYS.admin, 'main__echo', { text: 'two' });
    await callTool(KEYS.caller, 'main__fail', {});
    await api.switchyard.audit.flush();
    const audit = async (query: string, key = KEYS.admin) =>
      api.inject({ method: 'GET', url: `/v1/audit?${query}`, headers: bearer(key) });

    const byCaller = (await audit('key=caller')).json().entries;
    expect(byCaller.map((e: { tool: string }) => e.tool)).toEqual(['main__fail', 'main__echo']);
    expect(byCaller[1].arguments).toEqual({ text: 'one', password: '[redacted]' });
    expect((await audit('tool=ECHO')).json().entries).toHaveLength(2);
    const failed = (await audit('outcome=tool_error')).json().entries;
    expect(failed).toEqual([
      expect.objectContaining({ tool: 'main__fail', key: 'caller', outcome: 'tool_error' }),
    ]);
    // Wildcards of LIKE match themselves only.
    expect((await audit('tool=%25')).json().entries).toEqual([]);
    const first = (await audit('limit=1')).json().entries;
    expect(first).toHaveLength(1);
    expect(
      (await audit(`before=${first[0].id}&limit=500`))
        .json()
        .entries.every((e: { id: number }) => e.id < first[0].id),
    ).toBe(true);

    expect((await audit('key=caller', KEYS.caller)).statusCode).toBe(403);
    const invalid = await audit('outcome=maybe');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('validation_failed');
  });
});

describe('server restart and stop', () => {
  const action = (name: string, verb: string, key: string) =>
    api.inject({
      method: 'POST',
      url: `/v1/servers/${name}/${verb}`,
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: {},
    });

  it('stops an upstream and starts it again for an admin, and refuses the others', async () => {
    expect((await action('main', 'stop', KEYS.caller)).statusCode).toBe(403);
    const stopped = await action('main', 'stop', KEYS.admin);
    expect(stopped.json().server).toMatchObject({
      name: 'main',
      state: 'stopped',
      reason: 'stopped by admin',
    });
    const restarted = await action('main', 'restart', KEYS.admin);
    expect(restarted.statusCode).toBe(200);
    await vi.waitFor(() => expect(harness.fleet.require('main').state).toBe('ready'), { timeout: 5000 });
    expect(harness.fleet.require('main').info().restarts).toBeGreaterThan(0);
    const unknown = await action('nope', 'restart', KEYS.admin);
    expect(unknown.statusCode).toBe(404);
  });
});

describe('a browser WebSocket key', () => {
  const open = (protocols: string[]) =>
    new Promise<{ protocol: string } | { status: number }>((resolve) => {
      const socket = new WebSocket(`ws://${url}/v1/events`, protocols);
      socket.on('open', () => {
        resolve({ protocol: socket.protocol });
        socket.close();
      });
      socket.on('unexpected-response', (_request, response) => resolve({ status: response.statusCode ?? 0 }));
      socket.on('error', () => undefined);
    });
  const protocol = (key: string) => `bearer.${Buffer.from(key).toString('base64url')}`;

  it('opens the event socket with the key as a bearer subprotocol, and answers the switchyard one', async () => {
    expect(await open(['switchyard', protocol(KEYS.reader)])).toEqual({ protocol: 'switchyard' });
    expect(await open(['switchyard', protocol('f'.repeat(40))])).toEqual({ status: 401 });
    expect(await open(['switchyard'])).toEqual({ status: 401 });
  });
});
