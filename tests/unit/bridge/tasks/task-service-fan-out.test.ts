import { describe, expect, it } from 'vitest';
import { TaskService } from '../../../../bridge/tasks/task-service.js';
import type { AgentDefinition } from '../../../../runtime/actors/agent-definition.js';
import type { RunSupervisor } from '../../../../runtime/actors/run-supervisor.js';
import { ValidationError } from '../../../../runtime/errors.js';
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
  const flows: Array<{ parent: TaskSpec; children: TaskSpec[]; options: unknown }> = [];
  const submits: TaskSpec[] = [];
  const queue = {
    kind,
    submit: async (spec: TaskSpec) => {
      submits.push(spec);
      return { runId: 'single', created: true };
    },
    submitFlow: async (p: TaskSpec, c: TaskSpec[], options: unknown) => {
      flows.push({ parent: p, children: c, options });
      return {
        parent: { runId: 'p1', created: true },
        children: c.map((_, i) => ({ runId: `c${i}`, created: true })),
      };
    },
  } as unknown as TaskQueue;
  const runs = {
    listAgents: () => [agent, child],
    findAgent: (name: string) => [agent, child].find((a) => a.name === name),
  } as unknown as RunSupervisor;
  return { tasks: new TaskService(queue, runs), flows, submits };
}

const toChildren = (ids: string[]) => ids.map((id) => ({ agent: 'child', input: { id } }));

describe('TaskService.submit of an agent that fans out', () => {
  it('submits one flow: the parsed parent, its children parsed by their agents, inheriting who asked and the priority', async () => {
    const { tasks, flows, submits } = setUp(parent(toChildren));
    const submitted = await tasks.submit(
      { agent: 'parent', input: { ids: ['a', 'b'] }, priority: 4, idempotencyKey: 'k1' },
      'alice',
    );
    expect(submitted).toEqual({ runId: 'p1', created: true, children: ['c0', 'c1'] });
    expect(submits).toEqual([]);
    expect(flows).toHaveLength(1);
    expect(flows[0]!.parent).toMatchObject({
      agent: 'parent',
      input: { ids: ['a', 'b'], parsed: true },
      requestedBy: 'alice',
      priority: 4,
      idempotencyKey: 'k1',
    });
    expect(flows[0]!.children).toEqual([
      { agent: 'child', input: { id: 'A' }, requestedBy: 'alice', priority: 4, idempotencyKey: 'k1/child-0' },
      { agent: 'child', input: { id: 'B' }, requestedBy: 'alice', priority: 4, idempotencyKey: 'k1/child-1' },
    ]);
    expect(flows[0]!.options).toEqual({ onChildFailure: 'continue' });
  });

  it('gives children no keys of their own on the inline queue (it deduplicates a flow by its parent)', async () => {
    const { tasks, flows } = setUp(parent(toChildren), 'inline');
    await tasks.submit({ agent: 'parent', input: { ids: ['a'] }, idempotencyKey: 'k1' });
    expect(flows[0]!.children[0]).toEqual({ agent: 'child', input: { id: 'A' } });
  });

  it('keeps a derived key within the 200 characters a key may have', async () => {
    const { tasks, flows } = setUp(parent(toChildren));
    const long = 'k'.repeat(199);
    await tasks.submit({ agent: 'parent', input: { ids: ['a'] }, idempotencyKey: long });
    const key = flows[0]!.children[0]!.idempotencyKey!;
    expect(key.length).toBeLessThanOrEqual(200);
    expect(key).toMatch(/^[0-9a-f]{64}\/child-0$/);
  });

  it('names the index of a child whose agent does not exist, and queues nothing', async () => {
    const { tasks, flows, submits } = setUp(
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
  });

  it('names the index and field of a child whose input its agent refuses', async () => {
    const { tasks, flows } = setUp(
      parent((ids) => ids.map((id, i) => ({ agent: 'child', input: i === 2 ? { id: 7 } : { id } }))),
    );
    const error = await tasks
      .submit({ agent: 'parent', input: { ids: ['a', 'b', 'c'] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('children[2]: child input: id: expected a string');
    expect((error as ValidationError).details.field).toBe('children.2.id');
    expect(flows).toEqual([]);
  });

  it('submits an agent without fanOut as one task, as before', async () => {
    const { tasks, flows, submits } = setUp(parent(toChildren));
    expect(await tasks.submit({ agent: 'child', input: { id: 'x' } })).toEqual({
      runId: 'single',
      created: true,
    });
    expect(submits).toHaveLength(1);
    expect(flows).toEqual([]);
  });
});
