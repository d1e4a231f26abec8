import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../../app/api/create-api.js';
import { WebSocket } from 'ws';
import { spec, tools } from '../../../unit/bridge/catalog/catalog-fixtures.js';
import { type ApiHarness, bearer, createApiHarness, recordingSql } from './api-harness.js';
import { connectEvents, upgradeStatus } from './events-client.js';

// GET /v1/events on a listening server with a real ws client.

// Random, so that they pass the key-strength check.
const KEY = randomBytes(24).toString('hex');

let harness: ApiHarness;
let api: FastifyInstance;
let url: string;
beforeAll(async () => {
  harness = await createApiHarness();
  api = await createApi({
    catalog: harness.catalog,
    fleet: harness.fleet,
    sql: recordingSql(),
    options: { keys: [{ name: 'events', key: KEY, scopes: ['read', 'call'] }] },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(api.server.address() as AddressInfo).port}/v1/events`;
});
afterAll(async () => {
  await api.close();
  await harness.close();
});

/** A connected client that keeps every frame (each checked against the schema). */
const connect = () => connectEvents(url, bearer(KEY));

describe('the events WebSocket', () => {
  it('sends tool-call events of API calls to a client subscribed to tools', async () => {
    const client = await connect();
    client.socket.send(JSON.stringify({ type: 'subscribe', topics: ['tools'] }));
    await client.next((f) => f.type === 'subscribed');
    const response = await api.inject({
      method: 'POST',
      url: '/v1/tools/main__echo/call',
      headers: bearer(KEY),
      payload: {},
    });
    expect(response.statusCode).toBe(200);
    const finished = await client.next(
      (f) => f.type === 'event' && f.topic === 'tools' && f.event.phase === 'finished',
    );
    expect(finished).toMatchObject({
      type: 'event',
      topic: 'tools',
      event: { phase: 'finished', source: 'api', tool: 'main__echo', server: 'main', outcome: 'ok' },
    });
    const started = client.frames.find(
      (f) => f.type === 'event' && f.topic === 'tools' && f.event.phase === 'started',
    );
    expect(started).toMatchObject({ event: { tool: 'main__echo', server: 'main' } });
    // Not subscribed to servers: nothing of that topic came.
    expect(client.frames.some((f) => f.type === 'event' && f.topic === 'servers')).toBe(false);
    client.socket.close();
  });

  it('sends server state and membership events, and tool events fed by another front', async () => {
    const client = await connect();
    client.socket.send(JSON.stringify({ type: 'subscribe', topics: ['servers', 'tools', 'catalog'] }));
    await client.next((f) => f.type === 'subscribed');
    harness.fakes.builders.set('extra', tools('hello'));
    await harness.fleet.add(spec('extra'));
    await client.next((f) => f.type === 'event' && f.topic === 'servers' && f.event.kind === 'membership');
    const ready = await client.next(
      (f) =>
        f.type === 'event' && f.topic === 'servers' && f.event.kind === 'state' && f.event.to === 'ready',
    );
    expect(ready).toMatchObject({ event: { kind: 'state', name: 'extra', to: 'ready' } });
    await client.next((f) => f.type === 'event' && f.topic === 'catalog');
    api.switchyard.toolEvents.report({
      phase: 'started',
      id: 'x1',
      source: 'mcp',
      tool: 'extra__hello',
      server: 'extra',
      at: 1,
    });
    await client.next((f) => f.type === 'event' && f.topic === 'tools' && f.event.source === 'mcp');
    client.socket.close();
  });

  it('replies to subscribe and unsubscribe with what the frame changed and counts, not the socket’s list', async () => {
    const client = await connect();
    expect(await client.request({ type: 'subscribe', topics: ['servers', 'tools'] })).toEqual({
      type: 'subscribed',
      topics: ['servers', 'tools'],
      added: 2,
      subscriptions: 2,
    });
    expect(await client.request({ type: 'subscribe', topics: ['tools', 'catalog', 'tools'] })).toEqual({
      type: 'subscribed',
      topics: ['tools', 'catalog'],
      added: 1,
      subscriptions: 3,
    });
    expect(await client.request({ type: 'unsubscribe', topics: ['servers', 'tools'] })).toEqual({
      type: 'unsubscribed',
      topics: ['servers', 'tools'],
      removed: 2,
      subscriptions: 1,
    });
    expect(await client.request({ type: 'unsubscribe', topics: ['servers'] })).toMatchObject({
      removed: 0,
      subscriptions: 1,
    });
    client.socket.close();
  });

  it('answers a run topic without a task service with an error frame', async () => {
    const client = await connect();
    expect(await client.request({ type: 'subscribe', topics: ['tools', 'runs'] })).toEqual({
      type: 'error',
      code: 'unavailable',
      message: 'the runs and approvals topics need the task service',
    });
    // Nothing of the frame was applied: tools is added only now.
    expect(await client.request({ type: 'subscribe', topics: ['tools'] })).toMatchObject({ added: 1 });
    client.socket.close();
  });

  it('answers a malformed frame with an error frame and keeps the socket open', async () => {
    const client = await connect();
    client.socket.send('not json');
    const first = await client.next((f) => f.type === 'error');
    expect(first).toEqual({ type: 'error', code: 'bad_request', message: 'a frame must be a JSON object' });
    client.socket.send(JSON.stringify({ type: 'subscribe', topics: ['weather'] }));
    await client.next(
      (f) => f.type === 'error' && /malformed frame/.test(f.message) && /topics/.test(f.message),
    );
    client.socket.send(JSON.stringify({ type: 'ping' }));
    await client.next((f) => f.type === 'pong');
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
  });

  it('documents the frames, decisions and limits in the OpenAPI document', async () => {
    const response = await api.inject({ method: 'GET', url: '/openapi.json', headers: bearer(KEY) });
    const events = (response.json() as { paths: Record<string, { get: { description: string } }> }).paths[
      '/v1/events'
    ]!.get;
    for (const text of [
      '"approve"|"reject"',
      '"decided"',
      '"unsubscribed"',
      'added,subscriptions',
      'socketsPerKey',
    ])
      expect(events.description).toContain(text);
    expect(events.description).not.toContain('runFilters');
  });

  it('refuses the upgrade without a key', async () => {
    const socket = new WebSocket(url);
    const status = await new Promise<number | undefined>((resolve) => {
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode));
      socket.once('open', () => resolve(undefined));
      socket.once('error', () => undefined);
    });
    expect(status).toBe(401);
    socket.terminate();
  });
});

describe('the events WebSocket limits', () => {
  // A second API with small limits; each test uses its own key, so that sockets of one test still
  // closing do not count against the next.
  const LIMITS = { socketsPerKey: 2, subscriptionsPerSocket: 2, messagesPerSecond: 5 };
  const keys = ['capped', 'other', 'subs', 'rate', 'flood'].map((name) => ({
    name,
    key: randomBytes(24).toString('hex'),
    scopes: ['read' as const],
  }));
  const keyOf = (name: string) => bearer(keys.find((k) => k.name === name)!.key);
  let limited: FastifyInstance;
  let limitedUrl: string;
  beforeAll(async () => {
    limited = await createApi({
      catalog: harness.catalog,
      fleet: harness.fleet,
      sql: recordingSql(),
      options: { keys, limits: LIMITS },
    });
    await limited.listen({ host: '127.0.0.1', port: 0 });
    limitedUrl = `ws://127.0.0.1:${(limited.server.address() as AddressInfo).port}/v1/events`;
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('refuses a key’s upgrade past socketsPerKey with 429, counts keys apart, and frees a slot on close', async () => {
    const first = await connectEvents(limitedUrl, keyOf('capped'));
    const second = await connectEvents(limitedUrl, keyOf('capped'));
    expect(await upgradeStatus(limitedUrl, keyOf('capped'))).toBe(429);
    // Another key has its own sockets.
    expect(await upgradeStatus(limitedUrl, keyOf('other'))).toBe(101);
    first.socket.close();
    await expect.poll(() => upgradeStatus(limitedUrl, keyOf('capped')), { timeout: 5_000 }).toBe(101);
    second.socket.close();
  });

  it('counts the sockets of an open API per client address', async () => {
    const open = await createApi({
      catalog: harness.catalog,
      fleet: harness.fleet,
      sql: recordingSql(),
      options: { limits: { socketsPerKey: 1 } },
    });
    try {
      await open.listen({ host: '127.0.0.1', port: 0 });
      const openUrl = `ws://127.0.0.1:${(open.server.address() as AddressInfo).port}/v1/events`;
      const client = await connectEvents(openUrl, {});
      expect(await upgradeStatus(openUrl)).toBe(429);
      client.socket.close();
      await client.closed;
    } finally {
      await open.close();
    }
  });

  it('answers a subscribe past subscriptionsPerSocket with an error naming the limit, and applies none of it', async () => {
    const client = await connectEvents(limitedUrl, keyOf('subs'));
    expect(await client.request({ type: 'subscribe', topics: ['servers'] })).toMatchObject({
      type: 'subscribed',
      subscriptions: 1,
    });
    const refused = await client.request({ type: 'subscribe', topics: ['tools', 'catalog'] });
    expect(refused).toMatchObject({ type: 'error', code: 'limit_exceeded' });
    expect(refused.type === 'error' && refused.message).toMatch(/at most 2 subscriptions/);
    // tools was not added by the refused frame: adding it now adds one.
    expect(await client.request({ type: 'subscribe', topics: ['tools'] })).toMatchObject({
      added: 1,
      subscriptions: 2,
    });
    // A subscription the socket holds already is no new one, even at the cap.
    expect(await client.request({ type: 'subscribe', topics: ['tools'] })).toMatchObject({
      type: 'subscribed',
      added: 0,
    });
    expect(await client.request({ type: 'subscribe', topics: ['catalog'] })).toMatchObject({
      code: 'limit_exceeded',
    });
    client.socket.close();
  });

  it('answers frames past messagesPerSecond with rate_limited errors and keeps the socket open', async () => {
    const client = await connectEvents(limitedUrl, keyOf('rate'));
    for (let i = 0; i < 8; i++) client.socket.send(JSON.stringify({ type: 'ping' }));
    // One reply per frame: a pong or an error.
    await expect.poll(() => client.frames.length).toBe(8);
    const pongs = client.frames.filter((f) => f.type === 'pong');
    const errors = client.frames.filter((f) => f.type === 'error');
    // A burst of 5; the frames arrive within milliseconds, so at most a token more is refilled.
    expect(pongs.length).toBeGreaterThanOrEqual(5);
    expect(pongs.length).toBeLessThanOrEqual(6);
    expect(errors.length).toBe(8 - pongs.length);
    expect(errors[0]).toEqual({
      type: 'error',
      code: 'rate_limited',
      message: 'at most 5 frames a second: this frame was dropped',
    });
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
  });

  it('closes a socket that keeps flooding with 1008', async () => {
    const client = await connectEvents(limitedUrl, keyOf('flood'));
    // 5 a second: more than 50 refused within 5 s is a flood.
    for (let i = 0; i < 80; i++) client.socket.send(JSON.stringify({ type: 'ping' }));
    expect(await client.closed).toEqual({ code: 1008, reason: 'too many frames' });
    expect(client.frames.filter((f) => f.type === 'pong').length).toBeLessThanOrEqual(6);
  });
});
