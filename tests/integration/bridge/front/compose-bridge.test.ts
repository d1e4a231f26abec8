import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { type ComposedBridge, composeBridge } from '../../../../app/compose/compose-bridge.js';
import { createFrontServer } from '../../../../bridge/front/front-server.js';
import { loadConfig } from '../../../../app/config/load-config.js';

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);
const entry = { command: process.execPath, args: [EVERYTHING], pingIntervalMs: 0 };

describe('composeBridge', () => {
  let dir: string | undefined;
  let bridge: ComposedBridge | undefined;
  afterEach(async () => {
    await bridge?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens no SQL store without built-ins, and applies a changed config file to the catalog', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-compose-'));
    const file = join(dir, 'switchyard.config.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { everything: entry } }));
    const { config } = loadConfig({ file, env: { SWITCHYARD_HOME: join(dir, 'home') } });
    bridge = await composeBridge({ config, file });
    await bridge.ready;
    expect(bridge.sql).toBeUndefined();
    expect(bridge.catalog.findTool('everything__echo')).toBeDefined();

    const front = createFrontServer({ catalog: bridge.catalog, hub: bridge.hub });
    const client = new Client({ name: 'watcher', version: '1' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await front.server.connect(serverSide);
    await client.connect(clientSide);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void (changed += 1));
    try {
      writeFileSync(file, JSON.stringify({ mcpServers: { everything: entry, more: entry } }));
      const deadline = Date.now() + 15_000;
      while (!(changed > 0 && bridge.catalog.findTool('more__echo'))) {
        if (Date.now() > deadline) throw new Error('the added server never reached the client');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('more__echo');
    } finally {
      await client.close();
      await front.cleanup();
    }
  });
});
