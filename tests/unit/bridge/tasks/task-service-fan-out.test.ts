import { describe, expect, it } from 'vitest';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import type { AgentDefinition } from '../../../../runtime/actors/agent-definition.js';
import type { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { ValidationError } from '../../../../core/errors.js';
import type { TaskQueue, TaskSpec } from '../../../../runtime/queue/task-queue.js';

// TaskService.submit for an agent with fanOut: what it validates and what it hands the queue.

const child: AgentDefinition = {
  name: 'child',
  description: 'a child',
  capabilities: [],
  version: '1',
  parseInput(input) {
    const id = (input as { id?: unknown }).id;
    if (typeof id !== 'string')
      throw new ValidationError('child input: id: expected a string', { field: 'id' });
    return { id: id.toUpperCase() };
  },
  createMachine: () => {
    throw new Error('not run here');
  },
};

function parent(children: (ids: string[]) => Array<{ agent: string; input: unknown }>): AgentDefinition {
  return {
    name: 'parent',
    description: 'fans out',
    capabilities: [],
    version: '1',
    parseInput: (input) => ({ ids: (input as { ids: string[] }).ids, parsed: true }),
    fanOut: (input) => ({ children: children((input as { ids: string[] }).ids), onChildFailure: 'continue' }),
    createMachine: () => {
      throw new Error('not run here');
    },
  };
}

function setUp(agent: AgentDefinition, kind = 'redis') {
  const flows: Array<{ parent: TaskSpec; children: TaskSpec[]; options: Record<string, unknown> }> = [];
  const submits: Array<{ spec: TaskSpec; options: unknown }> = [];
  const accepted: Array<Array<Record<string, unknown>>> = [];
  const queue = {
    kind,
    submit: async (spec: TaskSpec, options: { runId: string }) => {
      submits.push({ spec, options });
      return { runId: options.runId, created: true };
    },
    submitFlow: async (p: TaskSpec, c: TaskSpec[], options: Record<string, unknown>) => {
      flows.push({ parent: p, children: c, options });
      const runIds = options.runIds as { parent: string; children: string[] };
      return {
        parent: { runId: runIds.parent, created: true },
        children: runIds.children.map((runId) => ({ runId, created: true })),
      };
    },
  } as unknown as TaskQueue;
  const runs = {
    listAgents: () => [agent, child],
    findAgent: (name: string) => [agent, child].find((a) => a.name === name),
    // Accepting records the rows and answers each as new.
    acceptRuns: async (rows: Array<Record<string, unknown>>) => {
      accepted.push(rows);
      return rows.map((row) => ({ runId: row.id, created: true, status: 'queued' }));
    },
  } as unknown as RunSupervisor;
  return { tasks: new TaskService(queue, runs), flows, submits, accepted };
}

const toChildren = (ids: string[]) => ids.map((id) => ({ agent: 'child', input: { id } }));

describe('TaskService.submit of an agent that fans out', () => {
  it('accepts the parsed parent and its children (parsed by their agents, inheriting who asked and the priority) in one go, then queues one flow under their ids', async () => {
    const { tasks, flows, submits, accepted } = setUp(parent(toChildren));
    const submitted = await tasks.submit(
      { agent: 'parent', input: { ids: ['a', 'b'] }, priority: 4, idempotencyKey: 'k1' },
      'alice',
    );
    expect(accepted).toHaveLength(1);
    const [parentRow, ...childRows] = accepted[0]!;
    expect(submitted).toEqual({
      runId: parentRow!.id,
      created: true,
      children: childRows.map((row) => row.id),
    });
    expect(parentRow).toMatchObject({
      agent: 'parent',
      input: { ids: ['a', 'b'], parsed: true },
      requestedBy: 'alice',
      idempotencyKey: 'k1',
      task: { priority: 4, onChildFailure: 'continue', children: childRows.map((row) => row.id) },
    });
    expect(childRows).toEqual([
      expect.objectContaining({
        agent: 'child',
        input: { id: 'A' },
        requestedBy: 'alice',
        idempotencyKey: 'k1/child-0',
        parentId: parentRow!.id,
        task: { priority: 4 },
      }),
      expect.objectContaining({
        agent: 'child',
        input: { id: 'B' },
        requestedBy: 'alice',
        idempotencyKey: 'k1/child-1',
        parentId: parentRow!.id,
        task: { priority: 4 },
      }),
    ]);
    expect(submits).toEqual([]);
    expect(flows).toHaveLength(1);
    // The idempotency was settled by the rows: no key goes to the queue.
    expect(flows[0]!.parent).toMatchObject({
      agent: 'parent',
      input: { ids: ['a', 'b'], parsed: true },
      priority: 4,
    });
    expect(flows[0]!.parent.idempotencyKey).toBeUndefined();
    expect(flows[0]!.children).toEqual([
      { agent: 'child', input: { id: 'A' }, requestedBy: 'alice', priority: 4 },
      { agent: 'child', input: { id: 'B' }, requestedBy: 'alice', priority: 4 },
    ]);
    expect(flows[0]!.options).toEqual({
      onChildFailure: 'continue',
      runIds: { parent: parentRow!.id, children: childRows.map((row) => row.id) },
    });
  });

  it('derives keys for the children on the inline queue too (the rows deduplicate, not the queue)', async () => {
    const { tasks, accepted } = setUp(parent(toChildren), 'inline');
    await tasks.submit({ agent: 'parent', input: { ids: ['a'] }, idempotencyKey: 'k1' });
    expect(accepted[0]![1]).toMatchObject({ idempotencyKey: 'k1/child-0' });
  });

  it('keeps a derived key within the 200 characters a key may have', async () => {
    const { tasks, accepted } = setUp(parent(toChildren));
    const long = 'k'.repeat(199);
    await tasks.submit({ agent: 'parent', input: { ids: ['a'] }, idempotencyKey: long });
    const key = accepted[0]![1]!.idempotencyKey as string;
    expect(key.length).toBeLessThanOrEqual(200);
    expect(key).toMatch(/^[0-9a-f]{64}\/child-0$/);
  });

  it('names the index of a child whose agent does not exist, and accepts and queues nothing', async () => {
    const { tasks, flows, submits, accepted } = setUp(
      parent((ids) => ids.map((id, i) => ({ agent: i === 1 ? 'ghost' : 'child', input: { id } }))),
    );
    const error = await tasks
      .submit({ agent: 'parent', input: { ids: ['a', 'b'] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe("children[1]: agent 'ghost' is not defined");
    expect((error as ValidationError).details.field).toBe('children.1.agent');
    expect(flows).toEqual([]);
    expect(submits).toEqual([]);
    expect(accepted).toEqual([]);
  });

  it('names the index and field of a child whose input its agent refuses', async () => {
    const { tasks, flows, accepted } = setUp(
      parent((ids) => ids.map((id, i) => ({ agent: 'child', input: i === 2 ? { id: 7 } : { id } }))),
    );
    const error = await tasks
      .submit({ agent: 'parent', input: { ids: ['a', 'b', 'c'] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('children[2]: child input: id: expected a string');
    expect((error as ValidationError).details.field).toBe('children.2.id');
    expect(flows).toEqual([]);
    expect(accepted).toEqual([]);
  });

  it('accepts and queues an agent without fanOut as one task under the accepted id', async () => {
    const { tasks, flows, submits, accepted } = setUp(parent(toChildren));
    const submitted = await tasks.submit({ agent: 'child', input: { id: 'x' } });
    expect(submitted).toEqual({ runId: accepted[0]![0]!.id, created: true });
    expect(submits).toEqual([
      { spec: { agent: 'child', input: { id: 'x' } }, options: { runId: submitted.runId } },
    ]);
    expect(flows).toEqual([]);
  });

  it('refuses an input its agent refuses, naming the field, before anything is written or queued', async () => {
    const { tasks, submits, accepted } = setUp(parent(toChildren));
    const error = await tasks.submit({ agent: 'child', input: { id: 7 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.field).toBe('id');
    expect(accepted).toEqual([]);
    expect(submits).toEqual([]);
  });
});
