// A fleet of in-memory SDK servers (real timers) with a catalog over it, for the API tests.
// Server `main`: echo (answers its arguments), fail (an isError result), slow (waits until the
// call is cancelled and records it). Server `flaky`: one tool, and crash() makes it unavailable.
import type { CallToolResult } from '@modelcontextprotocol/server';
import { expect, vi } from 'vitest';
import { z } from 'zod';
import type { SqlExecutor, SqlResult } from '../../../../stores/sql/sql.js';
import { Catalog } from '../../../../bridge/catalog/catalog.js';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import type { Builder } from '../../../unit/bridge/catalog/catalog-fixtures.js';
import { FakeServers, spec } from '../../../unit/bridge/catalog/catalog-fixtures.js';

export interface ApiHarness {
  fakes: FakeServers;
  fleet: Fleet;
  catalog: Catalog;
  /** Reasons of the `slow` calls that were cancelled. */
  cancelled: string[];
  /** Ends `flaky`'s process for good: its tool stays listed, unavailable. */
  crash(): Promise<void>;
  close(): Promise<void>;
}

const mainTools =
  (cancelled: string[]): Builder =>
  (server) => {
    server.registerTool(
      'echo',
      {
        description: 'Echoes its arguments.',
        inputSchema: z.object({ text: z.string().optional() }),
        annotations: { readOnlyHint: true },
      },
      async (args) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] }),
    );
    server.registerTool('fail', { description: 'Always fails.' }, async () => ({
      isError: true,
      content: [{ type: 'text', text: 'the account is locked' }],
    }));
    server.registerTool(
      'slow',
      { description: 'Waits until cancelled.' },
      (extra) =>
        new Promise<CallToolResult>((resolve) => {
          extra.mcpReq.signal.addEventListener('abort', () => {
            cancelled.push(String(extra.mcpReq.signal.reason));
            resolve({ content: [{ type: 'text', text: 'cancelled' }] });
          });
        }),
    );
  };

const flakyTools: Builder = (server) => {
  server.registerTool('probe', { description: 'Answers ok.' }, async () => ({
    content: [{ type: 'text', text: 'ok' }],
  }));
};

export async function createApiHarness(): Promise<ApiHarness> {
  const fakes = new FakeServers();
  const cancelled: string[] = [];
  fakes.builders.set('main', mainTools(cancelled));
  fakes.builders.set('flaky', flakyTools);
  const fleet = new Fleet({ createTransport: fakes.factory, random: () => 0.5, killOnExit: false });
  const catalog = new Catalog(fleet, { debounceMs: 5 });
  // A long backoff: after crash() `flaky` stays `restarting` for the whole test.
  const restart = { initialDelayMs: 600_000, maxDelayMs: 600_000, jitter: 0 };
  await fleet.add(spec('main'));
  await fleet.add(spec('flaky', { restart }));
  await fleet.require('main').waitUntilReady({ timeoutMs: 5000 });
  await fleet.require('flaky').waitUntilReady({ timeoutMs: 5000 });
  await vi.waitFor(
    async () => {
      await catalog.whenIdle();
      expect(catalog.findTool('main__echo')).toBeDefined();
      expect(catalog.findTool('flaky__probe')).toBeDefined();
    },
    { timeout: 5000, interval: 10 },
  );
  return {
    fakes,
    fleet,
    catalog,
    cancelled,
    crash: async () => {
      fakes.failing.add('flaky');
      fakes.exit('flaky');
      await vi.waitFor(() => expect(catalog.findTool('flaky__probe')?.available).toBe(false), {
        timeout: 5000,
        interval: 10,
      });
    },
    close: async () => {
      catalog.close();
      await fleet.stop();
    },
  };
}

/** A Bearer header. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/**
 * The SQL twin for tests that do not look at SQL: answers every query with no rows and records
 * its text. `fail` makes every later query reject.
 */
export function recordingSql(): SqlExecutor & { queries: string[]; fail: Error | undefined } {
  const twin = {
    queries: [] as string[],
    fail: undefined as Error | undefined,
    async query<Row>(text: string): Promise<SqlResult<Row>> {
      twin.queries.push(text);
      if (twin.fail) throw twin.fail;
      return { rows: [], rowCount: 0 };
    },
    async exec(): Promise<void> {},
  };
  return twin;
}
