import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startStdioServer } from '../../../support/mcp-server-process.js';
import { randomOperations } from './random-operations.js';

// Issue 3's check: one seeded random sequence on both servers, each a real child process over
// stdio with the SDK client; mine through `switchyard server memory` (app/cli.ts, the registry
// entry), the reference from its installed package with its own JSONL file.
const REFERENCE = join(
  import.meta.dirname,
  '../../../../node_modules/@modelcontextprotocol/server-memory/dist/index.js',
);
const OPERATIONS = 240;

/** What a client can observe of a call. */
function observable(result: CallToolResult) {
  return {
    isError: result.isError ?? false,
    content: result.content,
    structuredContent: result.structuredContent,
  };
}

describe('memory server compatibility with @modelcontextprotocol/server-memory', () => {
  let switchyard: RunningServer;
  let reference: Client;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-memory-reference-'));
    reference = new Client({ name: 'compat', version: '1' });
    const [mine] = await Promise.all([
      startStdioServer('memory', { env: () => ({ SWITCHYARD_VECTOR_BACKEND: 'memory' }) }),
      reference.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [REFERENCE],
          env: { PATH: process.env.PATH ?? '', MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
          stderr: 'ignore',
        }),
      ),
    ]);
    switchyard = mine;
  });

  afterAll(async () => {
    await reference?.close();
    await switchyard?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the reference tools with the same input schemas', async () => {
    const theirs = (await reference.listTools()).tools;
    const mine = new Map((await switchyard.client.listTools()).tools.map((t) => [t.name, t]));
    // The reference is built on SDK v1, which declares JSON Schema draft-07; SDK v2 declares
    // 2020-12 (MCP's default dialect since 2025-11-25). The schemas themselves must be equal.
    const body = ({ $schema: _dialect, ...rest }: Record<string, unknown>) => rest;
    for (const tool of theirs) {
      expect(tool.inputSchema.$schema, tool.name).toBe('http://json-schema.org/draft-07/schema#');
      expect(mine.get(tool.name)?.inputSchema.$schema, tool.name).toBe(
        'https://json-schema.org/draft/2020-12/schema',
      );
      expect(body(mine.get(tool.name)!.inputSchema), tool.name).toEqual(body(tool.inputSchema));
      expect(mine.get(tool.name)?.annotations, tool.name).toEqual(tool.annotations);
    }
  });

  for (const seed of [7, 42]) {
    it(
      `gives equal results for every one of ${OPERATIONS} random calls (seed ${seed})`,
      { timeout: 180_000 },
      async () => {
        // Each seed starts from the graph the previous one left: both servers hold the same state.
        const operations = randomOperations(seed, OPERATIONS);
        let errors = 0;
        for (const [step, operation] of operations.entries()) {
          const [theirs, mine] = await Promise.all([
            reference.callTool(operation) as Promise<CallToolResult>,
            switchyard.client.callTool(operation) as Promise<CallToolResult>,
          ]);
          if (theirs.isError) errors++;
          expect(observable(mine), `step ${step}: ${JSON.stringify(operation)}`).toEqual(observable(theirs));
        }
        const [theirGraph, myGraph] = await Promise.all([
          reference.callTool({ name: 'read_graph', arguments: {} }),
          switchyard.client.callTool({ name: 'read_graph', arguments: {} }),
        ]);
        expect(myGraph.structuredContent).toEqual(theirGraph.structuredContent);
        // The sequence must exercise more than the happy path, and leave a graph worth comparing.
        expect(errors).toBeGreaterThan(0);
        expect((theirGraph.structuredContent as { entities: unknown[] }).entities.length).toBeGreaterThan(2);
      },
    );
  }
});
