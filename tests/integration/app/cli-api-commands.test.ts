import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../app/api/create-api.js';
import { freePort } from '../../support/free-port.js';
import { runSwitchyard as switchyard } from '../../support/switchyard-cli.js';
import { type ApiHarness, createApiHarness, recordingSql } from './api/api-harness.js';

const KEY = '236dd52d7b249ec4b17f1aa30f02a3b256741fe2d860ed6c';

let harness: ApiHarness;
let open: FastifyInstance;
let keyed: FastifyInstance;
let openUrl: string;
let keyedUrl: string;
let dir: string;
/** Requests the open API received, by URL. */
const received: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-api-'));
  harness = await createApiHarness();
  const deps = { catalog: harness.catalog, fleet: harness.fleet };
  open = await createApi({ ...deps, sql: recordingSql() });
  open.addHook('onRequest', async (request) => void received.push(request.url));
  keyed = await createApi({
    ...deps,
    sql: recordingSql(),
    options: { keys: [{ name: 'cli', key: KEY, scopes: ['read', 'call'] }] },
  });
  openUrl = await open.listen({ port: 0, host: '127.0.0.1' });
  keyedUrl = await keyed.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await open?.close();
  await keyed?.close();
  await harness?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('switchyard servers, tools and call against a running bridge API', () => {
  it('servers prints a table with each server and its state', async () => {
    const { status, stdout, stderr } = await switchyard(['servers', '--url', openUrl], dir);
    expect(status, stderr).toBe(0);
    expect(stdout).toMatch(/^NAME\s+TRANSPORT\s+STATE\s+SINCE\s+RESTARTS\s+LAST ERROR$/m);
    expect(stdout).toMatch(/^main\s+\S+\s+ready\s/m);
    expect(stdout).toMatch(/^flaky\s+\S+\s+ready\s/m);
  });

  it('tools --json prints the catalog as JSON, filtered by --server', async () => {
    const all = await switchyard(['tools', '--json', '--url', openUrl], dir);
    expect(all.status, all.stderr).toBe(0);
    const names = (JSON.parse(all.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['main__echo', 'main__fail', 'flaky__probe']));

    const flaky = await switchyard(['tools', '--server', 'flaky', '--url', openUrl], dir);
    expect(flaky.stdout).toMatch(/^flaky__probe\s+flaky\s+yes\s+Answers ok\.$/m);
    expect(flaky.stdout).not.toContain('main__echo');
  });

  it("call prints the tool's text and exits 0", async () => {
    const { status, stdout, stderr } = await switchyard(
      ['call', 'main__echo', '--args', '{"text":"hello"}', '--url', openUrl],
      dir,
    );
    expect(status, stderr).toBe(0);
    expect(stdout).toBe('{"text":"hello"}\n');
  });

  it('call exits 1 and prints the text of a result with isError', async () => {
    const { status, stderr } = await switchyard(['call', 'main__fail', '--url', openUrl], dir);
    expect(status).toBe(1);
    expect(stderr).toContain('the account is locked');
  });

  it('call of an unknown tool exits 1 with the 404 message', async () => {
    const { status, stderr } = await switchyard(['call', 'main__nope', '--url', openUrl], dir);
    expect(status).toBe(1);
    expect(stderr).toMatch(/the bridge answered 404 not_found: tool 'main__nope' does not exist/);
  });

  it('refuses --args that are not a JSON object before any request', async () => {
    const before = received.length;
    const notJson = await switchyard(['call', 'main__echo', '--args', '{text:', '--url', openUrl], dir);
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toContain('--args is not JSON');
    const array = await switchyard(['call', 'main__echo', '--args', '[1]', '--url', openUrl], dir);
    expect(array.status).toBe(1);
    expect(array.stderr).toContain('--args must be a JSON object');
    expect(received.length).toBe(before);
  });

  it('says no bridge answers when nothing listens at the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const { status, stdout, stderr } = await switchyard(['servers', '--url', url], dir);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `switchyard: no bridge answers at ${url}: start one with \`switchyard start\` (or set --url)\n`,
    );
  });

  it('shows the 401 of an API with keys when no key is given, and sends --key', async () => {
    const missing = await switchyard(['tools', '--url', keyedUrl], dir);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('the bridge answered 401 unauthorized: an API key is required');
    const given = await switchyard(['call', 'flaky__probe', '--key', KEY, '--url', keyedUrl], dir);
    expect(given.status, given.stderr).toBe(0);
    expect(given.stdout).toBe('ok\n');
  });
});
