import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { accountReviewMachine } from '../../../../agents/account-review/account-review-agent.js';
import { describeMachine, type MachineStateGraph } from '../../../../runtime/actors/machine-graph.js';

const ids = (node: MachineStateGraph): string[] => [node.id, ...node.states.flatMap(ids)];

describe('describeMachine', () => {
  it('gives every state node with its type, tags, initial child and transitions', () => {
    const machine = createMachine({
      id: 'demo',
      initial: 'idle',
      states: {
        idle: { on: { GO: { target: 'work', guard: 'ready' } }, tags: ['waiting'] },
        work: {
          initial: 'a',
          states: { a: { always: 'b' }, b: { type: 'final' } },
          onDone: 'done',
          after: { 1000: 'idle' },
        },
        done: { type: 'final' },
      },
    });
    const graph = describeMachine(machine);
    expect(ids(graph)).toEqual(['demo', 'demo.idle', 'demo.work', 'demo.work.a', 'demo.work.b', 'demo.done']);
    expect(graph).toMatchObject({ type: 'compound', initial: 'idle' });
    const [idle, work, done] = graph.states;
    expect(idle).toMatchObject({
      type: 'atomic',
      tags: ['waiting'],
      transitions: [{ event: 'GO', targets: ['demo.work'], guard: 'ready' }],
    });
    expect(work!.initial).toBe('a');
    expect(work!.transitions.map((t) => [t.event.replace(/\d+/g, 'N'), t.targets])).toEqual(
      expect.arrayContaining([
        ['xstate.done.state.demo.work', ['demo.done']],
        [expect.stringMatching(/^xstate\.after\./), ['demo.idle']],
      ]),
    );
    expect(work!.states[0]!.transitions).toEqual([{ event: 'always', targets: ['demo.work.b'] }]);
    expect(done).toMatchObject({ type: 'final', transitions: [], states: [] });
  });

  it("draws a shipped agent's machine without any of its services, its approval state tagged", () => {
    const graph = describeMachine(accountReviewMachine);
    const all = (node: MachineStateGraph): MachineStateGraph[] => [node, ...node.states.flatMap(all)];
    const nodes = all(graph);
    expect(nodes.some((node) => node.tags.includes('awaiting_approval'))).toBe(true);
    expect(nodes.filter((node) => node.type === 'final').map((node) => node.key)).toEqual(
      expect.arrayContaining(['COMPLETED', 'FAILED']),
    );
    // Every transition targets a node of the same graph.
    const known = new Set(nodes.map((node) => node.id));
    for (const node of nodes)
      for (const t of node.transitions) for (const target of t.targets) expect(known).toContain(target);
    // Plain data: what the API sends is what it describes.
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
  });
});
