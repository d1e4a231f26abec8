import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ComposedBridge, composeBridge } from '../../app/compose/compose-bridge.js';
import { ConfigSchema } from '../../app/config/config-schema.js';

const EVERYTHING = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-everything/dist/index.js',
);

/**
 * A bridge composed as `switchyard start` composes it, with server-everything (no pings) as its one
 * upstream and its home in a fresh temporary directory; ready when answered. close() closes the
 * bridge and removes the home.
 */
export async function composeEverythingBridge(
  homePrefix: string,
): Promise<{ bridge: ComposedBridge; close(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), homePrefix));
  let bridge: ComposedBridge | undefined;
  const close = async () => {
    await bridge?.close();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const config = {
      ...ConfigSchema.parse({
        mcpServers: { everything: { command: process.execPath, args: [EVERYTHING], pingIntervalMs: 0 } },
      }),
      home,
    };
    bridge = await composeBridge({ config });
    await bridge.ready;
    return { bridge, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A plain node HTTP server on a free loopback port that hands every request to `handle` (a
 * rejection destroys the response), as the API mounts the MCP front. Answers the URL of its `/mcp`,
 * its port, and close(), which drops open connections first (MCP streams stay open otherwise).
 */
export async function serveMcpOverHttp(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ url: URL; port: number; close(): Promise<void> }> {
  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => res.destroy(error as Error));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    port,
    close: async () => {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
