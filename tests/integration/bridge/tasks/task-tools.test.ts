import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult, ElicitRequest, ElicitResult, Progress } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../../core/errors.js';
import { type Caller, keyCaller, STDIO_CALLER } from '../../../../bridge/access/caller.js';
import { Catalog } from '../../../../bridge/catalog/catalog.js';
import { Fleet } from '../../../../bridge/fleet/fleet.js';
import { FrontHub } from '../../../../bridge/front/front-hub.js';
import { createFrontServer, type FrontInstance } from '../../../../bridge/front/front-server.js';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import { createTaskTools } from '../../../../bridge/tasks/task-tools.js';
import { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { SqlRunStore } from '../../../../runtime/actors/sql-run-store.js';
import { InlineTaskQueue } from '../../../../runtime/queue/inline-task-queue.js';
import { createRunTaskHandler } from '../../../../runtime/queue/run-task-handler.js';
import { migrate } from '../../../../stores/sql/migrate.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { PgliteSql } from '../../../../stores/sql/pglite-sql.js';
import type { Sql } from '../../../../stores/sql/sql.js';
import { connectToolServer, gatedAgent } from '../../../support/actor-test-kit.js';

// The real path of a Claude Desktop call: an SDK client → the bridge front (in-memory transport)
// → the catalog's local tools → TaskService → inline queue → run supervisor → a real MCP test
// server for the agent's own tool calls.

type Kit = Awaited<ReturnType<typeof connectToolServer>>;

/** The gated agent with an input schema, as defineAgent gives every real agent one. */
const GatedInput = z.strictObject({ by: z.int().min(1).max(100).describe('how much to add') });
function typedGatedAgent(tool?: string) {
  return {
    ...gatedAgent(tool ? { tool } : {}),
    capabilities: ['test', 'counter.write'],
    inputSchema: GatedInput,
    parseInput(input: unknown) {
      const parsed = GatedInput.safeParse(input);
      if (!parsed.success) throw new ValidationError(`gated agent input: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    },
  };
}

function json(result: CallToolResult): Record<string, unknown> {
  return result.structuredContent as Record<string, unknown>;
}

function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

describe('the task tools on the bridge front', { timeout: 120_000 }, () => {
  let sql: Sql;
  let kit: Kit;
  let supervisor: RunSupervisor;
  let queue: InlineTaskQueue;
  let tasks: TaskService;
  let fleet: Fleet;
  let catalog: Catalog;
  let front: FrontInstance;
  let client: Client;

  async function setUp(
    tool?: string,
    asked?: (request: ElicitRequest) => ElicitResult | Promise<ElicitResult>,
    callerOf: () => Caller = () => STDIO_CALLER,
  ): Promise<void> {
    sql = await PgliteSql.open({});
    await migrate(sql, MIGRATIONS);
    kit = await connectToolServer();
    supervisor = new RunSupervisor({
      store: new SqlRunStore(sql),
      tools: kit.catalog,
      agents: [typedGatedAgent(tool)],
      exclusive: true,
    });
    await supervisor.start();
    queue = new InlineTaskQueue();
    queue.process(createRunTaskHandler(supervisor), { concurrency: 4 });
    tasks = new TaskService(queue, supervisor);
    fleet = new Fleet();
    catalog = new Catalog(fleet, { debounceMs: 5 });
    catalog.addLocalTools(createTaskTools(tasks, { pollMs: 50 }));
    // As `switchyard mcp` serves Claude Desktop: the local user, every scope.
    front = createFrontServer({ catalog, hub: new FrontHub(), callerOf });
    client = new Client(
      { name: 'desktop-test', version: '1.0.0' },
      asked ? { capabilities: { elicitation: { form: {} } } } : {},
    );
    if (asked) client.setRequestHandler('elicitation/create', (request) => asked(request));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await front.server.connect(serverSide);
    await client.connect(clientSide);
  }

  afterEach(async () => {
    await client.close();
    await front.cleanup();
    catalog.close();
    await fleet.stop();
    await queue.close();
    await supervisor.close();
    await kit.close();
    await sql.close();
  });

  const call = async (
    name: string,
    args: Record<string, unknown>,
    options: Parameters<Client['callTool']>[1] = {},
  ) => (await client.callTool({ name, arguments: args }, options)) as CallToolResult;

  describe('with the gated agent', () => {
    beforeEach(() => setUp());

    it('lists the five task tools and one tool per agent, with JSON Schema inputs and honest annotations', async () => {
      const { tools } = await client.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      expect([...byName.keys()].sort()).toEqual([
        'agents__gated',
        'agents__run',
        'runs__approve',
        'runs__reject',
        'tasks__status',
        'tasks__submit',
      ]);
      expect(byName.get('agents__run')?.annotations).toMatchObject({
        readOnlyHint: false,
        idempotentHint: false,
      });
      expect(byName.get('tasks__status')?.annotations).toMatchObject({ readOnlyHint: true });
      expect(byName.get('agents__run')?.inputSchema).toMatchObject({
        type: 'object',
        required: expect.arrayContaining(['agent']),
        properties: { agent: { type: 'string' }, priority: { type: 'integer' } },
      });
      // The agent's own tool takes the agent's input, says what the agent does, and that it writes.
      const gated = byName.get('agents__gated');
      expect(gated?.inputSchema).toMatchObject({
        type: 'object',
        required: ['by'],
        properties: { by: { type: 'integer', minimum: 1, maximum: 100, description: 'how much to add' } },
        additionalProperties: false,
      });
      expect(gated?.description).toMatch(/^adds, waits for approval, looks up/);
      expect(gated?.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
      });
    });

    it('agents__<name> runs that agent with the arguments as its input; a bad input is an isError naming it', async () => {
      const progress: Progress[] = [];
      const result = await call('agents__gated', { by: 3 }, { onprogress: (p) => progress.push(p) });
      expect(result.isError).toBeFalsy();
      const answer = json(result);
      expect(answer).toMatchObject({ status: 'awaiting_approval', created: true });
      expect(progress.map((p) => p.message)).toContain('tool_call_started counter_add');
      const runs = await supervisor.listRuns({});
      expect(runs.map((run) => [run.id, run.agent])).toEqual([[answer.runId, 'gated']]);
      expect((await supervisor.getRun(answer.runId as string))?.input).toEqual({ by: 3 });

      const bad = await call('agents__gated', { by: 'three' });
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toMatch(/gated agent input/);
      const unknown = await call('agents__nobody', {});
      expect(unknown.isError).toBe(true);
      expect(await supervisor.listRuns({})).toHaveLength(1);
    });

    it('agents__run sends a progress notification per run event and answers when the run parks for approval', async () => {
      const progress: Progress[] = [];
      const result = await call(
        'agents__run',
        { agent: 'gated', input: { by: 2 }, idempotencyKey: 'desk-1' },
        { onprogress: (p) => progress.push(p) },
      );
      expect(result.isError).toBeFalsy();
      const answer = json(result);
      expect(answer).toMatchObject({ status: 'awaiting_approval', created: true });
      expect(textOf(result)).toMatch(/runs__approve/);
      const runId = answer.runId as string;

      const { events } = await tasks.status(runId);
      expect(progress.length).toBeGreaterThan(0);
      // One notification per event, in seq order, up to the approval request.
      expect(progress.map((p) => p.progress)).toEqual(events.map((e) => e.seq).slice(0, progress.length));
      expect(progress.map((p) => p.message)).toContain('tool_call_started counter_add');
      expect(progress.some((p) => p.message?.startsWith('approval_requested'))).toBe(true);

      // Approving over MCP resumes the run to completion, recorded as decided by the local user ('stdio').
      const approved = await call('runs__approve', { runId, reason: 'looks fine' });
      expect(approved.isError).toBeFalsy();
      expect(json(approved)).toMatchObject({
        runId,
        state: 'approved',
        decidedBy: 'stdio',
        reason: 'looks fine',
      });
      const done = await tasks.waitForStop(runId, 60_000);
      expect(done).toMatchObject({ status: 'completed', output: { looked: 'value of x' } });

      const status = json(await call('tasks__status', { runId }));
      expect(status).toMatchObject({ runId, status: 'completed', result: { looked: 'value of x' } });
      expect((status.events as Array<{ type: string }>).map((e) => e.type)).toContain('run_completed');

      // The same task again is the same run: agents__run answers with its result, run once.
      const again = await call('agents__run', { agent: 'gated', input: { by: 2 }, idempotencyKey: 'desk-1' });
      expect(again.isError).toBeFalsy();
      expect(json(again)).toMatchObject({
        runId,
        created: false,
        status: 'completed',
        result: { looked: 'value of x' },
      });
      expect(kit.log.counterCalls).toBe(1);
    });

    it('tasks__submit answers at once with the run id, and tasks__status follows it with afterSeq', async () => {
      const submitted = await call('tasks__submit', {
        agent: 'gated',
        input: { by: 1 },
        idempotencyKey: 'k-1',
      });
      expect(submitted.isError).toBeFalsy();
      const { runId } = json(submitted) as { runId: string };
      expect(json(submitted)).toMatchObject({ created: true });
      expect(
        json(await call('tasks__submit', { agent: 'gated', input: { by: 1 }, idempotencyKey: 'k-1' })),
      ).toEqual(expect.objectContaining({ runId, created: false }));

      await tasks.waitForStop(runId, 60_000);
      const all = json(await call('tasks__status', { runId }));
      expect(all).toMatchObject({ runId, status: 'awaiting_approval', state: 'completed' });
      const events = all.events as Array<{ seq: number }>;
      expect(events.length).toBeGreaterThan(1);
      const later = json(await call('tasks__status', { runId, afterSeq: events[0]!.seq }));
      expect((later.events as Array<{ seq: number }>).map((e) => e.seq)).toEqual(
        events.slice(1).map((e) => e.seq),
      );
    });

    it('runs__reject takes the rejected path; a second decision is an error saying there is no pending approval', async () => {
      const { runId } = json(await call('tasks__submit', { agent: 'gated', input: { by: 1 } })) as {
        runId: string;
      };
      await tasks.waitForStop(runId, 60_000);
      const rejected = await call('runs__reject', { runId, reason: 'no' });
      expect(json(rejected)).toMatchObject({ runId, state: 'rejected', decidedBy: 'stdio' });
      const stopped = await supervisor.waitFor(runId, (s) => s === 'completed' || s === 'failed');
      expect(stopped.output ?? null).not.toEqual({ looked: 'value of x' });
      expect(kit.log.lookupCalls).toBe(0);

      const again = await call('runs__approve', { runId });
      expect(again.isError).toBe(true);
      expect(textOf(again)).toMatch(/no pending approval/);
    });

    it('bad input, an unknown agent and an unknown run are isError results naming what is wrong', async () => {
      const badField = await call('agents__run', { agent: 'gated', input: {}, priority: 'high' });
      expect(badField.isError).toBe(true);
      expect(textOf(badField)).toMatch(/priority/);

      const unknownKey = await call('tasks__submit', { agent: 'gated', input: {}, atempts: 2 });
      expect(unknownKey.isError).toBe(true);
      expect(textOf(unknownKey)).toMatch(/atempts/);

      const noAgent = await call('agents__run', { agent: 'nobody', input: {} });
      expect(noAgent.isError).toBe(true);
      expect(textOf(noAgent)).toMatch(/agent 'nobody' does not exist; the agents are: gated/);

      const noRun = await call('tasks__status', { runId: 'run-missing' });
      expect(noRun.isError).toBe(true);
      expect(textOf(noRun)).toMatch(/run-missing/);
      expect(await supervisor.listRuns({})).toEqual([]);
    });
  });

  describe('with a client that can ask its person (elicitation)', () => {
    it('puts the approval to the client during the call; approving completes the run, decided by the caller', async () => {
      const asked: ElicitRequest[] = [];
      await setUp(undefined, (request) => {
        asked.push(request);
        return { action: 'accept', content: { decision: 'approve', reason: 'checked by hand' } };
      });
      const result = await call('agents__gated', { by: 2 });
      expect(json(result)).toMatchObject({ status: 'completed', created: true });
      expect(asked).toHaveLength(1);
      const { message, requestedSchema } = asked[0]!.params as { message: string; requestedSchema: unknown };
      expect(message).toMatch(/waits for your approval/);
      expect(message).toMatch(/What: /);
      expect(message).toMatch(/Why: /);
      expect(requestedSchema).toMatchObject({
        properties: { decision: { enum: ['approve', 'reject'] } },
        required: ['decision'],
      });
      const runId = json(result).runId as string;
      const [decided] = await tasks.listApprovals({ runId });
      expect(decided).toMatchObject({ state: 'approved', decidedBy: 'stdio', reason: 'checked by hand' });
    });

    it('rejecting takes the rejected path; declining the form decides nothing and leaves the approval pending', async () => {
      const answers: ElicitResult[] = [
        { action: 'decline' },
        { action: 'accept', content: { decision: 'reject', reason: 'not now' } },
      ];
      await setUp(undefined, () => answers.shift()!);
      const declined = json(await call('agents__gated', { by: 1 }));
      expect(declined).toMatchObject({ status: 'awaiting_approval' });
      const [pending] = await tasks.listApprovals({ runId: declined.runId as string });
      expect(pending?.state).toBe('pending');

      const rejected = json(await call('agents__gated', { by: 4 }));
      expect(rejected.status).not.toBe('awaiting_approval');
      const [decision] = await tasks.listApprovals({ runId: rejected.runId as string });
      expect(decision).toMatchObject({ state: 'rejected', reason: 'not now' });
    });

    it('a decision made on another front meanwhile withdraws the question, and the call sees the run go on', async () => {
      await setUp(
        undefined,
        (_request) =>
          // The person never answers here; someone approves on another front instead.
          new Promise<ElicitResult>(() => undefined),
      );
      const pending = call('agents__gated', { by: 5 });
      await expect
        .poll(async () => (await tasks.listApprovals({ state: 'pending' })).length, { timeout: 20_000 })
        .toBe(1);
      const [approval] = await tasks.listApprovals({ state: 'pending' });
      await tasks.approve(approval!.runId, { decidedBy: 'ops' });
      const answer = json(await pending);
      expect(answer).toMatchObject({ status: 'completed' });
    });

    it('a caller without the admin scope is not asked: the approval waits for someone who may decide', async () => {
      const asked: ElicitRequest[] = [];
      await setUp(
        undefined,
        (request) => {
          asked.push(request);
          return { action: 'accept', content: { decision: 'approve' } };
        },
        () => keyCaller({ name: 'bot', scopes: new Set(['read', 'call']) }, 'mcp'),
      );
      const answer = json(await call('agents__gated', { by: 1 }));
      expect(answer).toMatchObject({ status: 'awaiting_approval' });
      expect(asked).toHaveLength(0);
    });
  });

  describe('with the agent whose first tool waits until cancelled', () => {
    beforeEach(() => setUp('slow'));

    it('cancelling agents__run cancels the run and the tool call it was in', async () => {
      const controller = new AbortController();
      const progress: Progress[] = [];
      const pending = call(
        'agents__run',
        { agent: 'gated', input: { by: 1 } },
        {
          signal: controller.signal,
          onprogress: (p) => {
            progress.push(p);
            // Cancel once the run is inside the slow tool call.
            if (p.message === 'tool_call_started slow') controller.abort('the person pressed stop');
          },
        },
      );
      await expect(pending).rejects.toThrow();
      expect(progress.map((p) => p.message)).toContain('tool_call_started slow');

      const [run] = await supervisor.listRuns({ agent: 'gated' });
      const cancelled = await supervisor.waitFor(run!.id, (s) => s === 'cancelled', 60_000);
      expect(cancelled.status).toBe('cancelled');
      await expect.poll(() => kit.log.cancelled, { timeout: 30_000 }).toEqual(['a']);
      const { events } = await tasks.status(run!.id);
      expect(events.find((e) => e.type === 'run_cancelled')?.data).toMatchObject({ by: 'stdio' });
    });
  });
});
