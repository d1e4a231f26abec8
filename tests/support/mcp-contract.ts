import type {
  Client,
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
  Tool,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  type RunningServer,
  type ServerProcessOptions,
  startHttpServer,
  startStdioServer,
} from './mcp-server-process.js';

/**
 * Issue 3's shared contract test: every Switchyard MCP server, started as `switchyard server
 * <name>` in a real child process, over real stdio and over Streamable HTTP (`--http 0`; the URL
 * is read from the `{"url": …}` JSON log line on stderr), with the SDK client.
 *
 * Each transport gets a fresh process and a fresh temporary SWITCHYARD_HOME, and runs, in order:
 * initialize; tools/list (every tool has a description, an object input schema, explicit
 * annotations, and a fixture); each tool's valid calls then its invalid calls (each must be an
 * `isError` result whose text matches, and the server must still answer afterwards); the declared
 * resources and prompts; finally the process must exit cleanly when the client closes.
 */
export interface McpContractFixture extends ServerProcessOptions {
  /** Every tool the server lists, in the order to exercise them (e.g. create before query). */
  tools: Record<string, ToolFixture>;
  /** Concrete resource URIs to read after the tools ran (so data they created exists). */
  resources?: ResourceFixture[];
  /** URI templates the server must list. */
  resourceTemplates?: string[];
  prompts?: PromptFixture[];
  /** @defaultValue ['stdio', 'http'] */
  transports?: Array<'stdio' | 'http'>;
}

export interface ToolFixture {
  /** At least one; each must succeed (no isError), then pass `check` if given. */
  valid: ValidCall[];
  /** At least one; each must return isError with a text that matches `error`. */
  invalid: InvalidCall[];
  /**
   * Why `invalid` is empty, for a tool that takes no arguments and so has no invalid input (the
   * SDK drops unknown keys); it is then called with an unexpected argument and must not fail.
   */
  noInvalidInput?: string;
}

export interface ValidCall {
  arguments: Record<string, unknown>;
  check?: (result: CallToolResult) => void | Promise<void>;
}

export interface InvalidCall {
  arguments: Record<string, unknown>;
  /** What the error text must say, so a model knows how to fix the call. */
  error: RegExp;
}

export interface ResourceFixture {
  uri: string;
  check?: (result: ReadResourceResult) => void | Promise<void>;
}

export interface PromptFixture {
  name: string;
  arguments?: Record<string, string>;
  check?: (result: GetPromptResult) => void | Promise<void>;
}

export function runMcpContract(serverName: string, fixture: McpContractFixture): void {
  for (const transport of fixture.transports ?? ['stdio', 'http']) {
    describe(`the ${serverName} MCP server over ${transport} (contract)`, () => {
      let running: RunningServer | undefined;
      let stopped = false;
      const client = (): Client => {
        if (!running) throw new Error(`${serverName} did not start`);
        return running.client;
      };
      beforeAll(async () => {
        const start = transport === 'stdio' ? startStdioServer : startHttpServer;
        running = await start(serverName, fixture);
      });
      afterAll(async () => {
        if (running && !stopped) await running.stop();
      });

      it('initializes and declares the capabilities it uses', () => {
        expect(client().getServerVersion()?.name).toBeTruthy();
        const capabilities = client().getServerCapabilities();
        expect(capabilities?.tools).toBeDefined();
        if (fixture.resources?.length || fixture.resourceTemplates?.length)
          expect(capabilities?.resources).toBeDefined();
        if (fixture.prompts?.length) expect(capabilities?.prompts).toBeDefined();
      });

      it('lists every tool with a description, an object input schema and explicit annotations', async () => {
        const { tools } = await client().listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(fixture.tools).sort());
        for (const tool of tools) checkToolDefinition(tool);
      });

      for (const [name, tool] of Object.entries(fixture.tools)) {
        it(`${name}: succeeds with valid input`, async () => {
          expect(tool.valid.length, `${name} needs at least one valid call`).toBeGreaterThan(0);
          const definition = (await client().listTools()).tools.find((t) => t.name === name);
          for (const call of tool.valid) {
            const result = (await client().callTool({ name, arguments: call.arguments })) as CallToolResult;
            expect(
              result.isError ?? false,
              `${name}(${JSON.stringify(call.arguments)}): ${text(result)}`,
            ).toBe(false);
            if (definition?.outputSchema) expect(result.structuredContent).toBeDefined();
            await call.check?.(result);
          }
        });

        it(`${name}: returns isError for invalid input and keeps serving`, async () => {
          if (tool.invalid.length === 0) {
            expect(
              tool.noInvalidInput,
              `${name} needs an invalid call or a noInvalidInput reason`,
            ).toBeTruthy();
            const result = (await client().callTool({
              name,
              arguments: { unexpected: 1 },
            })) as CallToolResult;
            expect(result.isError ?? false, text(result)).toBe(false);
          }
          for (const call of tool.invalid) {
            const result = (await client().callTool({ name, arguments: call.arguments })) as CallToolResult;
            const message = text(result);
            expect(result.isError, `${name}(${JSON.stringify(call.arguments)}) → ${message}`).toBe(true);
            expect(message).toMatch(call.error);
            await client().ping();
          }
        });
      }

      if (fixture.resourceTemplates?.length) {
        it('lists its resource templates', async () => {
          const { resourceTemplates } = await client().listResourceTemplates();
          const listed = resourceTemplates.map((t) => t.uriTemplate);
          for (const template of fixture.resourceTemplates ?? []) expect(listed).toContain(template);
        });
      }

      for (const resource of fixture.resources ?? []) {
        it(`reads the resource ${resource.uri}`, async () => {
          const result = await client().readResource({ uri: resource.uri });
          expect(result.contents.length).toBeGreaterThan(0);
          await resource.check?.(result);
        });
      }

      for (const prompt of fixture.prompts ?? []) {
        it(`lists and gets the prompt ${prompt.name}`, async () => {
          const { prompts } = await client().listPrompts();
          expect(prompts.map((p) => p.name)).toContain(prompt.name);
          const result = await client().getPrompt({ name: prompt.name, arguments: prompt.arguments });
          expect(result.messages.length).toBeGreaterThan(0);
          await prompt.check?.(result);
        });
      }

      it('exits cleanly when the client closes, leaving no process behind', async () => {
        const server = running;
        if (!server) throw new Error(`${serverName} did not start`);
        stopped = true;
        const { code, signal } = await server.stop();
        expect(alive(server.pid)).toBe(false);
        if (transport === 'http') expect({ code, signal }).toEqual({ code: 0, signal: null });
        // Over stdio the client only ends stdin: the server must have closed on its own.
        else expect(server.stderr()).toContain('"reason":"stdin ended"');
      });
    });
  }
}

function checkToolDefinition(tool: Tool): void {
  const where = `tool ${tool.name}`;
  expect(tool.description?.trim(), `${where}: description`).toBeTruthy();
  expect(tool.inputSchema.type, `${where}: inputSchema`).toBe('object');
  if (tool.outputSchema) expect(tool.outputSchema.type, `${where}: outputSchema`).toBe('object');
  const hints = tool.annotations ?? {};
  // The bridge and agents act on these; "unset" must not be mistaken for an honest false.
  expect(typeof hints.readOnlyHint, `${where}: annotations.readOnlyHint`).toBe('boolean');
  expect(typeof hints.openWorldHint, `${where}: annotations.openWorldHint`).toBe('boolean');
  if (hints.readOnlyHint === false) {
    // The spec gives these meaning only for tools that modify something.
    expect(typeof hints.destructiveHint, `${where}: annotations.destructiveHint`).toBe('boolean');
    expect(typeof hints.idempotentHint, `${where}: annotations.idempotentHint`).toBe('boolean');
  }
}

function text(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('\n');
}
