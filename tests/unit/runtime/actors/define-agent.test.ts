import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, setup, toPromise } from 'xstate';
import { z } from 'zod';
import { ValidationError } from '../../../../core/index.js';
import {
  defineAgent,
  type RunServices,
  standInsOf,
  unprovidedActor,
  unprovidedGuard,
} from '../../../../runtime/actors/index.js';

const child = setup({
  actors: { look: unprovidedActor<string, { at: string }>('child', 'look') },
}).createMachine({
  id: 'child',
  initial: 'looking',
  states: {
    looking: { invoke: { src: 'look', input: { at: 'here' }, onDone: 'done' } },
    done: { type: 'final' },
  },
});

const machine = setup({
  types: {} as { input: { n: number }; context: { n: number; seen?: string; error?: string } },
  actors: { child, fetch: unprovidedActor<string, { n: number }>('demo', 'fetch') },
  guards: { ready: unprovidedGuard('demo', 'ready') },
}).createMachine({
  id: 'demo',
  context: ({ input }) => ({ n: input.n }),
  initial: 'fetching',
  states: {
    fetching: {
      invoke: {
        src: 'fetch',
        input: ({ context }) => ({ n: context.n }),
        onDone: { target: 'done', actions: ({ event }) => void event.output },
        onError: {
          target: 'done',
          actions: ({ context, event }) => void (context.error = (event.error as Error).message),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context,
});

const services = { runId: 'run-1' } as RunServices;

const provideDemo = (s: RunServices) => ({
  actors: {
    fetch: fromPromise(async ({ input }: { input: { n: number } }) => `${s.runId}:${input.n}`),
    child: child.provide({ actors: { look: fromPromise(async () => 'seen') } }),
  },
  guards: { ready: () => true },
});

const demo = defineAgent({
  name: 'demo',
  description: 'a demo',
  capabilities: [],
  version: '1',
  input: z.strictObject({ n: z.number().int().min(1), tags: z.array(z.string()).default([]) }),
  machine,
  provide: provideDemo,
});

describe('defineAgent', () => {
  it('parses the input once, with defaults, and refuses a bad one naming the field', () => {
    expect(demo.parseInput({ n: 2 })).toEqual({ n: 2, tags: [] });
    const refusal = (() => {
      try {
        demo.parseInput({ n: 0 });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ValidationError);
    expect((refusal as ValidationError).message).toMatch(/^demo agent input: n: /);
    expect((refusal as ValidationError).details).toEqual({ field: 'n' });
    expect(() => demo.parseInput({ n: 1, tags: [3] })).toThrow(/^demo agent input: tags\.0: /);
    expect(() => demo.parseInput('x')).toThrow(/^demo agent input: input: /);
  });

  it('exposes the machine without services, and plugs the services in per run', async () => {
    expect(demo.machine).toBe(machine);
    expect(standInsOf(demo.machine)).toEqual(['actor child > actor look', 'actor fetch', 'guard ready']);
    const provided = demo.createMachine(services);
    expect(provided.id).toBe('demo');
    expect(standInsOf(provided)).toEqual([]);
    const actor = createActor(provided, { input: { n: 3 } }).start();
    expect(await toPromise(actor)).toEqual({ n: 3 });
  });

  it('makes an unprovided stand-in fail naming what is missing', async () => {
    const actor = createActor(machine, { input: { n: 1 } }).start();
    const output = (await toPromise(actor)) as { error?: string };
    expect(output.error).toMatch(/the actor 'fetch' of the demo machine was run without an implementation/);
  });

  it('refuses to build a machine that still holds a stand-in, its child machines included', () => {
    const forgetful = defineAgent({
      name: 'forgetful',
      description: 'forgets its child',
      capabilities: [],
      version: '1',
      input: z.object({ n: z.number() }),
      machine,
      provide: () => ({
        actors: { fetch: fromPromise(async ({ input }: { input: { n: number } }) => `x${input.n}`) },
        guards: { ready: () => true },
      }),
    });
    expect(() => forgetful.createMachine(services)).toThrow(
      "agent 'forgetful' leaves its machine without actor child > actor look: add them to its provide()",
    );
  });

  it('runs a precheck before the schema and a check after it, and takes another label', () => {
    const checked = defineAgent({
      name: 'checked',
      description: 'd',
      capabilities: [],
      version: '1',
      input: z.strictObject({ from: z.number(), to: z.number() }),
      inputLabel: 'checked input',
      precheckInput: (input) => {
        if (input === null) throw new ValidationError('no input at all', { field: 'input' });
      },
      checkInput: ({ from, to }) => {
        if (from > to) throw new ValidationError('checked input: to: before from', { field: 'to' });
      },
      machine,
      provide: provideDemo,
    });
    expect(() => checked.parseInput(null)).toThrow('no input at all');
    expect(() => checked.parseInput({ from: 'a', to: 1 })).toThrow(/^checked input: from: /);
    expect(() => checked.parseInput({ from: 2, to: 1 })).toThrow('checked input: to: before from');
    expect(checked.parseInput({ from: 1, to: 2 })).toEqual({ from: 1, to: 2 });
  });
});
