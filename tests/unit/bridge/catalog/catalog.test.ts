import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Catalog } from '../../../../bridge/catalog/catalog.js';
import type { CatalogChange, CatalogCollision } from '../../../../bridge/catalog/catalog-entries.js';
import { CatalogNotFoundError } from '../../../../bridge/catalog/catalog-errors.js';
import { UpstreamUnavailableError } from '../../../../bridge/fleet/upstream-errors.js';
import { captureLogger } from '../../../support/capture-logger.js';
import { type Builder, createHarness, type Harness, tools } from './catalog-fixtures.js';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(...args: Parameters<typeof createHarness>): Promise<Harness> {
  harness = await createHarness(...args);
  return harness;
}

const names = (h: Harness) => h.catalog.listTools().map((tool) => tool.name);

const crm: Builder = (server) => {
  server.registerTool(
    'get_account',
    {
      title: 'Get account',
      description: 'Reads one account.',
      inputSchema: z.object({ id: z.string() }),
      outputSchema: z.object({ name: z.string() }),
      annotations: { readOnlyHint: true },
    },
    async ({ id }) => ({
      content: [{ type: 'text', text: `account ${id}` }],
      structuredContent: { name: `account ${id}` },
    }),
  );
  server.registerTool('delete_account', { inputSchema: z.object({ id: z.string() }) }, async () => ({
    content: [{ type: 'text', text: 'deleted' }],
  }));
};

describe('Catalog: merged listing', () => {
  it('lists every upstream tool as <server>__<tool>, keeping the upstream definition', async () => {
    const h = await start({ crm, files: tools('read') });
    expect(names(h)).toEqual(['crm__get_account', 'crm__delete_account', 'files__read']);
    const tool = h.catalog.findTool('crm__get_account');
    expect(tool).toMatchObject({ server: 'crm', upstreamName: 'get_account', available: true, local: false });
    expect(tool?.definition).toMatchObject({
      name: 'crm__get_account',
      title: 'Get account',
      description: 'Reads one account.',
      annotations: { readOnlyHint: true },
      inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      outputSchema: { type: 'object', properties: { name: { type: 'string' } } },
    });
    expect(tool?.definition._meta).toBeUndefined();
  });

  it('applies per-server options: aliases, unprefixed names and allow/deny globs', async () => {
    const h = await start(
      { crm, files: tools('read', 'write', 'stat') },
      {
        servers: {
          crm: { aliases: { get_account: 'account' }, tools: { deny: ['delete_*'] } },
          files: { prefixed: false, tools: { allow: ['read', 'stat'] } },
        },
      },
    );
    expect(names(h)).toEqual(['account', 'read', 'stat']);
    expect(h.catalog.findTool('account')).toMatchObject({ server: 'crm', upstreamName: 'get_account' });
    expect(h.catalog.findTool('read')).toMatchObject({ server: 'files', upstreamName: 'read' });
  });

  it('keeps every existing name when another server is added or removed', async () => {
    const h = await start(
      { m: tools('echo'), z: tools('echo', 'x') },
      { servers: { z: { prefixed: false } } },
    );
    const before = h.catalog
      .listTools()
      .map(({ name, server, upstreamName }) => ({ name, server, upstreamName }));
    expect(before.map((t) => t.name)).toEqual(['m__echo', 'echo', 'x']);

    await h.add({ a: tools('echo', 'x2') });
    const afterAdd = h.catalog
      .listTools()
      .map(({ name, server, upstreamName }) => ({ name, server, upstreamName }));
    expect(afterAdd).toEqual([
      { name: 'a__echo', server: 'a', upstreamName: 'echo' },
      { name: 'a__x2', server: 'a', upstreamName: 'x2' },
      ...before,
    ]);

    await h.fleet.remove('m');
    await h.settle();
    expect(names(h)).toEqual(['a__echo', 'a__x2', 'echo', 'x']);
    expect(h.catalog.findTool('echo')).toMatchObject({ server: 'z', upstreamName: 'echo' });
  });
});

describe('Catalog: setup and options', () => {
  it('lists the upstreams of a fleet that was already running when the catalog was made', async () => {
    const h = await start({ crm, files: tools('read') });
    const late = new Catalog(h.fleet);
    await late.whenIdle();
    expect(late.listTools().map((t) => t.name)).toEqual(names(h));
    late.close();
  });

  it('renames at once when the per-server options change, and emits `changed`', async () => {
    const h = await start({ files: tools('read') });
    const changes: CatalogChange[] = [];
    h.catalog.onChanged((change) => changes.push(change));
    h.catalog.setServerOptions({ files: { prefixed: false } });
    expect(names(h)).toEqual(['read']);
    await h.settle();
    expect(changes).toEqual([{ kinds: ['tools'] }]);
  });
});

describe('Catalog: collisions', () => {
  it('reports two sources of one name with both, lists the first by server name, renames nothing', async () => {
    const { logger, lines } = captureLogger();
    const collisions: CatalogCollision[] = [];
    const h = await start(
      { beta: tools('echo', 'only_beta') },
      { logger, servers: { alpha: { prefixed: false }, beta: { prefixed: false } } },
    );
    h.catalog.on('collision', (collision) => collisions.push(collision));
    await h.add({ alpha: tools('echo') });

    expect(names(h)).toEqual(['echo', 'only_beta']);
    expect(h.catalog.findTool('echo')?.server).toBe('alpha');
    expect(collisions).toHaveLength(1);
    expect(collisions[0]).toMatchObject({
      kind: 'tool',
      exposed: 'echo',
      sources: [
        { server: 'alpha', name: 'echo', exposed: 'echo' },
        { server: 'beta', name: 'echo', exposed: 'echo' },
      ],
    });
    expect(h.catalog.collisions()).toEqual(collisions);
    const logged = lines.find((line) => line.event === 'catalog_collision');
    expect(logged?.msg).toBe(
      "the name 'echo' is claimed by server 'alpha' (echo) and server 'beta' (echo): give one an alias, or prefix its server's names",
    );
    expect(await h.catalog.callTool('echo')).toEqual({ content: [{ type: 'text', text: 'alpha:echo' }] });

    // Resolved by removing one claimant: the other is listed again and the collision is gone.
    await h.fleet.remove('alpha');
    await h.settle();
    expect(h.catalog.findTool('echo')?.server).toBe('beta');
    expect(h.catalog.collisions()).toEqual([]);
  });
});

describe('Catalog: changes', () => {
  it("refreshes an upstream's list on its list_changed and emits one debounced `changed`", async () => {
    const h = await start({ crm, files: tools('read') });
    const changes: CatalogChange[] = [];
    h.catalog.onChanged((change) => changes.push(change));
    h.fakes.server('files').registerTool('write', {}, async () => ({ content: [] }));
    h.fakes.server('files').registerTool('stat', {}, async () => ({ content: [] }));
    await h.settle();
    expect(names(h)).toEqual([
      'crm__get_account',
      'crm__delete_account',
      'files__read',
      'files__write',
      'files__stat',
    ]);
    expect(changes).toEqual([{ kinds: ['tools'] }]);
  });

  it('emits nothing when a list_changed brings the same list', async () => {
    const h = await start({ files: tools('read') });
    const changes: CatalogChange[] = [];
    h.catalog.onChanged((change) => changes.push(change));
    h.fakes.server('files').sendToolListChanged();
    await h.settle();
    expect(changes).toEqual([]);
  });
});

describe('Catalog: fail-open', () => {
  it('keeps the tools of a server that went down, marked unavailable; calls to it fail naming it and its state', async () => {
    const h = await start({ crm, files: tools('read') });
    const changes: CatalogChange[] = [];
    h.catalog.onChanged((change) => changes.push(change));

    h.fakes.exit('crm');
    await h.settle();
    expect(h.fleet.require('crm').state).toBe('restarting');
    expect(names(h)).toEqual(['crm__get_account', 'crm__delete_account', 'files__read']);
    const tool = h.catalog.findTool('crm__get_account');
    expect(tool).toMatchObject({ available: false, state: 'restarting', reason: 'crm is restarting' });
    expect(tool?.definition.description).toBe('Reads one account. [unavailable: crm is restarting]');
    expect(tool?.definition._meta).toEqual({
      'switchyard/available': false,
      'switchyard/state': 'restarting',
    });
    expect(changes).toEqual([{ kinds: ['tools'] }]);

    const failed = h.catalog.callTool('crm__get_account', { id: '1' });
    await expect(failed).rejects.toBeInstanceOf(UpstreamUnavailableError);
    await expect(failed).rejects.toThrow(/upstream 'crm' is unavailable \(state restarting/);
    expect(await h.catalog.callTool('files__read')).toEqual({
      content: [{ type: 'text', text: 'files:read' }],
    });

    // Back after its backoff (100 ms), as a new process with one more tool: listed again from
    // the new process, available, and calls go through.
    h.fakes.builders.set('crm', (server, name) => {
      crm(server, name);
      tools('merge_accounts')(server, name);
    });
    await h.settleFor(100);
    expect(h.fleet.require('crm').state).toBe('ready');
    expect(names(h)).toEqual([
      'crm__get_account',
      'crm__delete_account',
      'crm__merge_accounts',
      'files__read',
    ]);
    expect(h.catalog.findTool('crm__get_account')).toMatchObject({ available: true, state: 'ready' });
    expect(h.catalog.findTool('crm__get_account')?.definition._meta).toBeUndefined();
    expect((await h.catalog.callTool('crm__get_account', { id: '1' })).structuredContent).toEqual({
      name: 'account 1',
    });
    expect(changes).toEqual([{ kinds: ['tools'] }, { kinds: ['tools'] }]);
  });

  it('marks the tools of a server whose circuit is open, and lists them as available once it half-opens', async () => {
    const h = await start({ files: tools('read') });
    await h.add(
      {
        slow: (server) => {
          tools('ok')(server, 'slow');
          server.registerTool('hang', {}, () => new Promise(() => undefined));
        },
      },
      { circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 5000 } },
    );
    for (let i = 0; i < 2; i++) {
      const call = h.catalog.callTool('slow__hang', {}, { timeoutMs: 50 }).catch((e: unknown) => e);
      await h.settleFor(50);
      expect(await call).toMatchObject({ code: 'upstream_timeout' });
    }
    await h.settle();
    expect(h.fleet.require('slow').state).toBe('ready');
    expect(h.catalog.findTool('slow__ok')).toMatchObject({
      available: false,
      state: 'ready',
      reason: 'slow is failing fast (circuit open)',
    });
    expect(h.catalog.findTool('files__read')?.available).toBe(true);
    await expect(h.catalog.callTool('slow__ok')).rejects.toThrow(/upstream 'slow' is failing fast/);

    await h.settleFor(5000);
    expect(h.catalog.findTool('slow__ok')).toMatchObject({ available: true, state: 'ready' });
    expect(await h.catalog.callTool('slow__ok')).toEqual({ content: [{ type: 'text', text: 'slow:ok' }] });
  });

  it('lists nothing for a server that never became ready, and serves the others', async () => {
    const h = await start({ files: tools('read') });
    h.fakes.failing.add('bad');
    await h.add({ bad: tools('x') });
    expect(h.fleet.require('bad').state).toBe('restarting');
    expect(names(h)).toEqual(['files__read']);
  });

  it('drops the entries of a server removed from the fleet', async () => {
    const h = await start({ crm, files: tools('read') });
    const changes: CatalogChange[] = [];
    h.catalog.onChanged((change) => changes.push(change));
    await h.fleet.remove('crm');
    await h.settle();
    expect(names(h)).toEqual(['files__read']);
    expect(changes).toEqual([{ kinds: ['tools'] }]);
  });
});

describe('Catalog: calls', () => {
  it('rejects an unknown tool with a not-found error suggesting close names', async () => {
    const h = await start({ crm, files: tools('read') });
    const error = await h.catalog.callTool('crm__get_acount').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogNotFoundError);
    expect((error as CatalogNotFoundError).code).toBe('not_found');
    expect((error as Error).message).toBe(
      "tool 'crm__get_acount' does not exist; did you mean 'crm__get_account', 'crm__delete_account'?",
    );
  });

  it('relays isError, structuredContent and image content exactly as the upstream gave them', async () => {
    const image = { type: 'image' as const, data: 'iVBORw0KGgo=', mimeType: 'image/png' };
    const h = await start({
      media: (server) => {
        server.registerTool('refuse', {}, async () => ({
          isError: true,
          content: [{ type: 'text', text: 'no such account' }],
        }));
        server.registerTool('picture', {}, async () => ({
          content: [image, { type: 'text', text: 'a picture' }],
          structuredContent: { width: 1, tags: ['a'] },
          _meta: { trace: 'x' },
        }));
      },
    });
    expect(await h.catalog.callTool('media__refuse')).toEqual({
      isError: true,
      content: [{ type: 'text', text: 'no such account' }],
    });
    expect(await h.catalog.callTool('media__picture')).toEqual({
      content: [image, { type: 'text', text: 'a picture' }],
      structuredContent: { width: 1, tags: ['a'] },
      _meta: { trace: 'x' },
    });
  });
});
