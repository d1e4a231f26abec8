import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { Client } from '@modelcontextprotocol/client';
import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import type {
  AgentDefinition,
  AgentPolicyInput,
  RunServices,
} from '../../runtime/actors/agent-definition.js';
import type { ToolCallOptions, ToolCatalog } from '../../runtime/actors/tool-catalog.js';

/** What the test server's tools did, for assertions on the server's side of the wire. */
export interface ToolServerLog {
  /** How many times `counter_add` ran (a non-idempotent write). */
  counterCalls: number;
  /** How many times `lookup` ran (read-only, idempotent). */
  lookupCalls: number;
  /** `slow` calls that the server saw cancelled through `notifications/cancelled`. */
  cancelled: string[];
  /** `slow` calls that started. */
  slowStarted: string[];
}

/**
 * A real MCP server (SDK McpServer) with tools shaped for runtime tests, joined to an SDK client
 * by the in-memory transport, and a {@link ToolCatalog} over that client: every call crosses the
 * MCP protocol, cancellation included.
 */
export async function connectToolServer(): Promise<{
  catalog: ToolCatalog;
  log: ToolServerLog;
  /** Lets the pending `slow` calls finish. */
  releaseSlow(): void;
  close(): Promise<void>;
}> {
  const log: ToolServerLog = { counterCalls: 0, lookupCalls: 0, cancelled: [], slowStarted: [] };
  const releases = new Set<() => void>();
  const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
  server.registerTool(
    'counter_add',
    { description: 'Adds to a counter (not idempotent)', inputSchema: z.object({ by: z.number() }) },
    async ({ by }) => {
      log.counterCalls += 1;
      return {
        content: [{ type: 'text', text: `added ${by}` }],
        structuredContent: { calls: log.counterCalls },
      };
    },
  );
  server.registerTool(
    'lookup',
    {
      description: 'Reads a value',
      inputSchema: z.object({ id: z.string() }),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    async ({ id }) => {
      log.lookupCalls += 1;
      return { content: [{ type: 'text', text: `value of ${id}` }] };
    },
  );
  server.registerTool(
    'slow',
    { description: 'Waits until released or cancelled', inputSchema: z.object({ tag: z.string() }) },
    async ({ tag }, ctx) => {
      log.slowStarted.push(tag);
      await new Promise<void>((resolve) => {
        releases.add(resolve);
        ctx.mcpReq.signal.addEventListener('abort', () => {
          log.cancelled.push(tag);
          resolve();
        });
      });
      return { content: [{ type: 'text', text: `slow ${tag} done` }] };
    },
  );
  const client = new Client({ name: 'runtime-test', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([client.connect(clientSide), server.connect(serverSide)]);
  const { tools } = await client.listTools();
  const catalog: ToolCatalog = {
    listTools: (): Tool[] => tools,
    callTool: async (name: string, args: Record<string, unknown>, options: ToolCallOptions = {}) =>
      (await client.callTool(
        { name, arguments: args },
        {
          ...(options.signal ? { signal: options.signal } : {}),
        },
      )) as CallToolResult,
  };
  return {
    catalog,
    log,
    releaseSlow: () => {
      for (const release of releases) release();
      releases.clear();
    },
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** add (counter_add, not idempotent) → gate (approval) → lookup (idempotent) → done. */
export function gatedAgent(
  options: { version?: string; policy?: AgentPolicyInput; tool?: string } = {},
): AgentDefinition {
  const tool = options.tool ?? 'counter_add';
  return {
    name: 'gated',
    description: 'adds, waits for approval, looks up',
    capabilities: ['test'],
    version: options.version ?? '1',
    policy: { allowTools: ['*'], ...options.policy },
    createMachine: (services: RunServices) =>
      setup({
        types: {} as { input: { by: number }; context: { by: number; looked?: string } },
        actors: {
          add: fromPromise(async ({ input, signal }: { input: { by: number }; signal: AbortSignal }) =>
            services.callTool('add-1', tool, tool === 'slow' ? { tag: 'a' } : { by: input.by }, { signal }),
          ),
          gate: fromPromise(async () =>
            services.requestApproval('gate-1', { what: 'finish', why: 'the test asks' }),
          ),
          lookup: fromPromise(async ({ signal }: { signal: AbortSignal }) =>
            services.callTool('lookup-1', 'lookup', { id: 'x' }, { signal }),
          ),
        },
      }).createMachine({
        id: 'gated',
        context: ({ input }) => ({ by: input.by }),
        initial: 'adding',
        states: {
          adding: {
            invoke: {
              src: 'add',
              input: ({ context }) => ({ by: context.by }),
              onDone: 'gate',
              onError: 'failed',
            },
          },
          gate: {
            invoke: {
              src: 'gate',
              onDone: [
                { guard: ({ event }) => event.output.state === 'approved', target: 'looking' },
                { target: 'rejected' },
              ],
              onError: 'failed',
            },
          },
          looking: {
            invoke: {
              src: 'lookup',
              onDone: {
                target: 'done',
                actions: assign({
                  looked: ({ event }) => (event.output.content[0] as { text: string }).text,
                }),
              },
              onError: 'failed',
            },
          },
          done: { type: 'final' },
          rejected: { type: 'final', tags: ['failed'] },
          failed: { type: 'final', tags: ['failed'] },
        },
        output: ({ context }) => ({ looked: context.looked ?? null }),
      }),
  };
}

/** Sleeps until `input.at` (durably), then ends. */
export const sleeperAgent: AgentDefinition = {
  name: 'sleeper',
  description: 'waits until a time',
  capabilities: [],
  version: '1',
  createMachine: (services: RunServices) =>
    setup({
      types: {} as { input: { at: number }; context: { at: number } },
      actors: {
        sleep: fromPromise(async ({ input, signal }: { input: { at: number }; signal: AbortSignal }) =>
          services.sleepUntil('sleep-1', input.at, signal),
        ),
      },
    }).createMachine({
      context: ({ input }) => ({ at: input.at }),
      initial: 'sleeping',
      states: {
        sleeping: { invoke: { src: 'sleep', input: ({ context }) => ({ at: context.at }), onDone: 'done' } },
        done: { type: 'final' },
      },
    }),
};
