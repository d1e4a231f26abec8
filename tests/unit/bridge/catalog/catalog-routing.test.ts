import { completable, ResourceTemplate } from '@modelcontextprotocol/server';
import type { ReadResourceResult, Tool } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type {
  CatalogChange,
  CatalogCollision,
  LocalToolProvider,
} from '../../../../bridge/catalog/catalog-entries.js';
import { agentCaller, keyCaller, STDIO_CALLER } from '../../../../bridge/access/caller.js';
import { CatalogNotFoundError, ToolForbiddenError } from '../../../../bridge/catalog/catalog-errors.js';
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

/** A server with one fixed resource, one template with completion, and one prompt. */
const notes =
  (fixedUri: string): Builder =>
  (server, serverName) => {
    server.registerResource('readme', fixedUri, { mimeType: 'text/plain' }, async (uri) => ({
      contents: [{ uri: uri.href, text: `${serverName} readme` }],
    }));
    server.registerResource(
      'note',
      new ResourceTemplate(`${serverName}://notes/{id}`, {
        list: undefined,
        complete: { id: (value) => ['alpha', 'beta'].filter((id) => id.startsWith(value)) },
      }),
      { mimeType: 'text/plain' },
      async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `${serverName} note ${String(id)}` }] }),
    );
    server.registerPrompt(
      'greet',
      {
        description: 'Greets someone.',
        argsSchema: z.object({
          who: completable(z.string(), (value) => ['ada', 'alan'].filter((w) => w.startsWith(value))),
        }),
      },
      ({ who }) => ({
        messages: [{ role: 'user', content: { type: 'text', text: `${serverName} greets ${who}` } }],
      }),
    );
  };

const textOf = (result: ReadResourceResult) => result.contents.map((c) => ('text' in c ? c.text : c.blob));

describe('Catalog: resources', () => {
  it('lists resources and templates with their URIs as given, and routes reads by URI and template', async () => {
    const h = await start({ a: notes('file:///a/readme'), b: notes('file:///b/readme') });
    expect(h.catalog.listResources().map((r) => [r.uri, r.server])).toEqual([
      ['file:///a/readme', 'a'],
      ['file:///b/readme', 'b'],
    ]);
    expect(h.catalog.listResourceTemplates().map((t) => [t.uriTemplate, t.server])).toEqual([
      ['a://notes/{id}', 'a'],
      ['b://notes/{id}', 'b'],
    ]);
    expect(textOf(await h.catalog.readResource('file:///b/readme'))).toEqual(['b readme']);
    expect(textOf(await h.catalog.readResource('a://notes/7'))).toEqual(['a note 7']);
    expect(textOf(await h.catalog.readResource('b://notes/9'))).toEqual(['b note 9']);
    await expect(h.catalog.readResource('c://nothing')).rejects.toBeInstanceOf(CatalogNotFoundError);
  });

  it('reports a URI listed by two servers, and routes it to the first by server name', async () => {
    const collisions: CatalogCollision[] = [];
    const h = await start({ b: notes('file:///shared') });
    h.catalog.on('collision', (collision) => collisions.push(collision));
    await h.add({ a: notes('file:///shared') });
    expect(collisions).toEqual([
      {
        kind: 'resource',
        exposed: 'file:///shared',
        sources: [
          { server: 'a', name: 'file:///shared', exposed: 'file:///shared' },
          { server: 'b', name: 'file:///shared', exposed: 'file:///shared' },
        ],
        message:
          "the resource URI 'file:///shared' is listed by server 'a' and server 'b': only the first is routed",
      },
    ]);
    expect(h.catalog.listResources().map((r) => r.server)).toEqual(['a']);
    expect(textOf(await h.catalog.readResource('file:///shared'))).toEqual(['a readme']);
  });

  it('reports a resource template listed by two servers', async () => {
    const same: Builder = (server, serverName) =>
      server.registerResource(
        'shared',
        new ResourceTemplate('shared://{id}', { list: undefined }),
        {},
        async (uri) => ({ contents: [{ uri: uri.href, text: serverName }] }),
      );
    const h = await start({ a: same, b: same });
    expect(h.catalog.collisions()).toMatchObject([
      { kind: 'resource-template', exposed: 'shared://{id}', sources: [{ server: 'a' }, { server: 'b' }] },
    ]);
    expect(h.catalog.listResourceTemplates().map((t) => t.server)).toEqual(['a']);
    expect(textOf(await h.catalog.readResource('shared://1'))).toEqual(['a']);
  });

  it('completes a template argument through the server that listed the template', async () => {
    const h = await start({ a: notes('file:///a'), b: notes('file:///b') });
    const result = await h.catalog.complete({
      ref: { type: 'ref/resource', uri: 'b://notes/{id}' },
      argument: { name: 'id', value: 'b' },
    });
    expect(result.completion.values).toEqual(['beta']);
  });
});

describe('Catalog: prompts', () => {
  it('names prompts by the tool rule and routes get and complete to their upstream', async () => {
    const h = await start(
      { a: notes('file:///a'), b: notes('file:///b') },
      { servers: { b: { prefixed: false } } },
    );
    expect(h.catalog.listPrompts().map((p) => [p.name, p.server, p.upstreamName])).toEqual([
      ['a__greet', 'a', 'greet'],
      ['greet', 'b', 'greet'],
    ]);
    expect(h.catalog.findPrompt('a__greet')?.definition).toMatchObject({
      name: 'a__greet',
      description: 'Greets someone.',
      arguments: [{ name: 'who', required: true }],
    });
    const got = await h.catalog.getPrompt('greet', { who: 'ada' });
    expect(got.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'b greets ada' } }]);
    const completed = await h.catalog.complete({
      ref: { type: 'ref/prompt', name: 'a__greet' },
      argument: { name: 'who', value: 'al' },
    });
    expect(completed.completion.values).toEqual(['alan']);
    await expect(h.catalog.getPrompt('a__gret')).rejects.toThrow("did you mean 'a__greet'");
  });

  it('emits `changed` for prompts and resources when a server with them comes up', async () => {
    const h = await start({ files: tools('read') });
    const changes: CatalogChange[] = [];
    h.catalog.onChanged((change) => changes.push(change));
    await h.add({ a: notes('file:///a') });
    expect(changes).toEqual([{ kinds: ['resources', 'prompts'] }]);
  });
});

describe('Catalog: per-client views', () => {
  it('filters listing and calls by exposed name; a filtered-out tool is not found', async () => {
    const h = await start({ crm: tools('get_account', 'delete_account'), a: notes('file:///a') });
    const view = h.catalog.view({ allow: ['crm__*', 'a__*'], deny: ['*__delete_*'] });
    expect(view.listTools().map((t) => t.name)).toEqual(['crm__get_account']);
    expect(view.listPrompts().map((p) => p.name)).toEqual(['a__greet']);
    expect(view.findTool('crm__delete_account')).toBeUndefined();
    expect(await view.callTool('crm__get_account')).toEqual({
      content: [{ type: 'text', text: 'crm:get_account' }],
    });
    await expect(view.callTool('crm__delete_account')).rejects.toBeInstanceOf(CatalogNotFoundError);
    // The whole catalog still has it.
    expect(await h.catalog.callTool('crm__delete_account')).toEqual({
      content: [{ type: 'text', text: 'crm:delete_account' }],
    });
    const narrow = h.catalog.view({ allow: ['crm__*'] });
    expect(narrow.listPrompts()).toEqual([]);
    await expect(narrow.getPrompt('a__greet', { who: 'x' })).rejects.toBeInstanceOf(CatalogNotFoundError);
  });
});

describe('Catalog: local tools', () => {
  it('refuses a local tool to a caller without the scope it needs, and a call that carries no caller', async () => {
    const h = await start({}, {});
    const calls: string[] = [];
    h.catalog.addLocalTools({
      name: 'switchyard',
      listTools: () => [
        { name: 'runs__approve', inputSchema: { type: 'object' } },
        { name: 'tasks__submit', inputSchema: { type: 'object' } },
      ],
      scopeOf: (name) => (name === 'runs__approve' ? 'admin' : 'call'),
      callTool: async (name) => {
        calls.push(name);
        return { content: [{ type: 'text', text: 'done' }] };
      },
    });
    const caller = keyCaller({ name: 'ci', scopes: new Set(['read', 'call'] as const) }, 'api');
    const refusal = await h.catalog
      .callTool('runs__approve', {}, { caller })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ToolForbiddenError);
    expect(refusal).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/'admin' scope.*'ci'/),
    });
    await expect(
      h.catalog.callTool('runs__approve', {}, { caller: agentCaller('coding', 'r1') }),
    ).rejects.toThrow(/the run of coding lacks/);
    await expect(h.catalog.callTool('tasks__submit', {})).rejects.toThrow(/carries no identity/);
    expect(calls).toEqual([]);
    // The same tools with the scope they need run.
    await h.catalog.callTool('tasks__submit', {}, { caller });
    await h.catalog.callTool('runs__approve', {}, { caller: STDIO_CALLER });
    expect(calls).toEqual(['tasks__submit', 'runs__approve']);
  });

  it("lists Switchyard's own tools, routes calls to their provider, and reports a clash with an upstream", async () => {
    const h = await start({ agents: tools('run') }, {});
    let list: Tool[] = [{ name: 'agents__run', inputSchema: { type: 'object' } }];
    let notify = () => undefined as void;
    const calls: string[] = [];
    const provider: LocalToolProvider = {
      name: 'switchyard',
      listTools: () => list,
      callTool: async (name) => {
        calls.push(name);
        return { content: [{ type: 'text', text: 'local' }] };
      },
      onChanged: (listener) => {
        notify = listener;
        return () => undefined;
      },
    };
    const collisions: CatalogCollision[] = [];
    h.catalog.on('collision', (collision) => collisions.push(collision));
    const remove = h.catalog.addLocalTools(provider);
    expect(h.catalog.findTool('agents__run')).toMatchObject({
      server: 'switchyard',
      local: true,
      state: 'local',
    });
    expect(await h.catalog.callTool('agents__run', {}, { caller: STDIO_CALLER })).toEqual({
      content: [{ type: 'text', text: 'local' }],
    });
    expect(calls).toEqual(['agents__run']);
    expect(collisions.map((c) => c.sources.map((s) => s.server))).toEqual([['switchyard', 'agents']]);

    list = [...list, { name: 'tasks__submit', inputSchema: { type: 'object' } }];
    notify();
    expect(h.catalog.findTool('tasks__submit')?.server).toBe('switchyard');

    remove();
    expect(h.catalog.findTool('agents__run')).toMatchObject({ server: 'agents', local: false });
    expect(h.catalog.findTool('tasks__submit')).toBeUndefined();
  });
});
