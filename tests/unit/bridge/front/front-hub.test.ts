import { InMemoryTransport, Server } from '@modelcontextprotocol/server';
import { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisedUpstream } from '../../../../bridge/fleet/supervised-upstream.js';
import { FrontHub } from '../../../../bridge/front/front-hub.js';
import { levelAdmits, mostVerbose } from '../../../../bridge/front/front-session.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function link(client: Client, server: Server): Promise<void> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  await client.connect(clientSide);
  closers.push(() => client.close());
}

/** A front session whose client answers sampling with `answer` (or declares no sampling). */
async function session(hub: FrontHub, answer: string | undefined) {
  const server = new Server({ name: 'front', version: '1' }, { capabilities: {} });
  const client = new Client(
    { name: `client-${answer ?? 'none'}`, version: '1' },
    { capabilities: answer === undefined ? {} : { sampling: {} } },
  );
  if (answer !== undefined)
    client.setRequestHandler('sampling/createMessage', async () => ({
      model: 'm',
      role: 'assistant',
      content: { type: 'text', text: answer },
    }));
  await link(client, server);
  return hub.open(server);
}

/** An upstream server linked to a client the hub configured, as the fleet would. */
async function upstream(hub: FrontHub) {
  const server = new Server({ name: 'up', version: '1' }, { capabilities: {} });
  const client = new Client({ name: 'bridge', version: '1' }, { capabilities: hub.clientCapabilities });
  hub.configureClient(client, { name: 'up', on: () => undefined } as unknown as SupervisedUpstream);
  await link(client, server);
  const sample = async () => {
    const result = await server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'q' } }],
      maxTokens: 5,
    });
    return result.content.type === 'text' ? result.content.text : '';
  };
  return { sample };
}

describe('FrontHub', () => {
  it('sends sampling to the session whose call to that upstream started most recently', async () => {
    const hub = new FrontHub();
    const a = await session(hub, 'from A');
    const b = await session(hub, 'from B');
    const up = await upstream(hub);
    const endA = hub.beginCall({ session: a, requestId: 1, server: 'up', owner: 'ops' });
    const endB = hub.beginCall({ session: b, requestId: 1, server: 'up', owner: 'ops' });
    hub.beginCall({ session: b, requestId: 2, server: 'elsewhere', owner: 'ops' });
    expect(await up.sample()).toBe('from B');
    endB();
    expect(await up.sample()).toBe('from A');
    endA();
    await expect(up.sample()).rejects.toThrow(
      /up sent sampling\/createMessage with no client call in flight/,
    );
  });

  it('refuses sampling for a session whose client did not declare it', async () => {
    const hub = new FrontHub();
    const plain = await session(hub, undefined);
    const up = await upstream(hub);
    hub.beginCall({ session: plain, requestId: 1, server: 'up', owner: 'ops' });
    await expect(up.sample()).rejects.toThrow(/does not support sampling/);
  });

  it('never relays sampling across API keys: with calls of two keys in flight it is refused', async () => {
    const hub = new FrontHub();
    const ops = await session(hub, 'from ops');
    const guest = await session(hub, 'from guest');
    const up = await upstream(hub);
    const endOps = hub.beginCall({ session: ops, requestId: 1, server: 'up', owner: 'ops' });
    const endGuest = hub.beginCall({ session: guest, requestId: 1, server: 'up', owner: 'guest' });
    await expect(up.sample()).rejects.toThrow(/clients of several API keys have calls in flight/);
    // Once only one key's call is in flight, it goes to that key's session again.
    endGuest();
    expect(await up.sample()).toBe('from ops');
    endOps();
  });

  it('declares sampling and elicitation upstream only when relayed', () => {
    expect(new FrontHub().clientCapabilities).toEqual({ sampling: {}, elicitation: { form: {} } });
    expect(new FrontHub({ relaySampling: false, relayElicitation: false }).clientCapabilities).toEqual({});
  });

  it('admits log levels at or above a threshold and picks the most verbose one', () => {
    expect(levelAdmits(undefined, 'debug')).toBe(true);
    expect(levelAdmits('warning', 'error')).toBe(true);
    expect(levelAdmits('warning', 'info')).toBe(false);
    expect(mostVerbose(['error', undefined, 'info'])).toBe('info');
    expect(mostVerbose([undefined])).toBeUndefined();
  });
});
