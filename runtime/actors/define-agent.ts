import type { AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import { SwitchyardError } from '#core';
import type { AgentDefinition, AgentPolicyInput, FanOut, RunServices } from './agent-definition.js';
import { inputValidationError } from './agent-input.js';
import { standInsOf } from './unprovided.js';

/** What `machine.provide()` takes for this machine: its actors, and any actions, guards, delays. */
export type MachineImplementations<TMachine extends AnyStateMachine> = Parameters<TMachine['provide']>[0];

/** An agent as its author writes it: a statechart that exists alone, and the services it runs on. */
export interface AgentSpec<TMachine extends AnyStateMachine, TInput> {
  name: string;
  description: string;
  capabilities: string[];
  /** See {@link AgentDefinition.version}: bump it when the machine's states change. */
  version: string;
  policy?: AgentPolicyInput;
  model?: string;
  /** The run's input; parsed once, at submit and again when the run starts. */
  input: z.ZodType<TInput>;
  /** How a refused input's message begins. @defaultValue `<name> agent input` */
  inputLabel?: string;
  /** A check of the raw input before the schema, for a refusal that must say more than zod would. */
  precheckInput?(input: unknown): void;
  /** A check of the parsed input across fields, which the schema cannot express; throws ValidationError. */
  checkInput?(input: TInput): void;
  /** Turns zod's refusal into the error thrown. @defaultValue {@link inputValidationError} with `inputLabel` */
  inputError?(error: z.ZodError): Error;
  /** See {@link AgentDefinition.fanOut}; called on the parsed input. */
  fanOut?(input: TInput): FanOut;
  /**
   * The statechart, built once at module level. Whatever touches the world is declared in its
   * `setup()` as a stand-in (see unprovided.ts) and supplied by {@link AgentSpec.provide}.
   */
  machine: TMachine;
  /** The implementations a run's services give the machine, plugged in with `machine.provide()`. */
  provide(services: RunServices): MachineImplementations<TMachine>;
}

/** An {@link AgentDefinition} whose machine and input schema can be read without any services. */
export interface DefinedAgent<
  TMachine extends AnyStateMachine = AnyStateMachine,
  TInput = unknown,
> extends AgentDefinition {
  /** The statechart without its services: for drawing, inspecting and testing its shape. */
  readonly machine: TMachine;
  readonly inputSchema: z.ZodType<TInput>;
  parseInput(input: unknown): TInput;
  createMachine(services: RunServices): TMachine;
}

/** The one way to write an agent: input parsing and service wiring are done here, once for all. */
export function defineAgent<TMachine extends AnyStateMachine, TInput>(
  spec: AgentSpec<TMachine, TInput>,
): DefinedAgent<TMachine, TInput> {
  const label = spec.inputLabel ?? `${spec.name} agent input`;
  const inputError = spec.inputError ?? ((error: z.ZodError) => inputValidationError(label, error));

  function parseInput(input: unknown): TInput {
    spec.precheckInput?.(input);
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) throw inputError(parsed.error);
    spec.checkInput?.(parsed.data);
    return parsed.data;
  }

  const { fanOut } = spec;
  return {
    name: spec.name,
    description: spec.description,
    capabilities: spec.capabilities,
    version: spec.version,
    ...(spec.policy !== undefined ? { policy: spec.policy } : {}),
    ...(spec.model !== undefined ? { model: spec.model } : {}),
    machine: spec.machine,
    inputSchema: spec.input,
    parseInput,
    ...(fanOut ? { fanOut: (input: unknown) => fanOut(parseInput(input)) } : {}),
    createMachine(services) {
      // provide() returns the same machine class with the run's implementations merged over the stand-ins.
      const machine = spec.machine.provide(spec.provide(services)) as TMachine;
      const missing = standInsOf(machine);
      if (missing.length > 0)
        throw new SwitchyardError(
          'agent_misdefined',
          `agent '${spec.name}' leaves its machine without ${missing.join(', ')}: add them to its provide()`,
          { details: { agent: spec.name, missing } },
        );
      return machine;
    },
  };
}
