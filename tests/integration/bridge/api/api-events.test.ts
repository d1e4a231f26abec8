import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../../bridge/api/create-api.js';
import { WebSocket } from 'ws';
import { spec, tools } from '../../../unit/bridge/catalog/catalog-fixtures.js';
import { type ApiHarness, bearer, createApiHarness, recordingSql } from './api-harness.js';
import { connectEvents } from './events-client.js';

// GET /v1/events on a listening server with a real ws client.

const KEY = 'events-reader-0123456789';

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

  it('answers a malformed frame with an error frame and keeps the socket open', async () => {
    const client = await connect();
    client.socket.send('not json');
    const first = await client.next((f) => f.type === 'error');
    expect(first).toEqual({ type: 'error', message: 'a frame must be a JSON object' });
    client.socket.send(JSON.stringify({ type: 'subscribe', topics: ['weather'] }));
    await client.next(
      (f) => f.type === 'error' && /malformed frame/.test(f.message) && /topics/.test(f.message),
    );
    client.socket.send(JSON.stringify({ type: 'ping' }));
    await client.next((f) => f.type === 'pong');
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
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
