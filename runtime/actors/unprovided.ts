import {
  type AnyStateMachine,
  fromPromise,
  type NonReducibleUnknown,
  type PromiseActorLogic,
  StateMachine,
} from 'xstate';

/**
 * Stand-ins for the implementations a module-level machine declares in `setup()` and gets from
 * `machine.provide()` once a run's services exist. They carry the types the machine is checked
 * against; run without being provided, they fail naming what is missing, instead of doing
 * something plausible and wrong.
 */

/** Marks a stand-in, so a machine can be checked for any left unprovided before it runs. */
const STAND_IN = Symbol('switchyard.standIn');

function markStandIn<T extends object>(implementation: T): T {
  Object.defineProperty(implementation, STAND_IN, { value: true });
  return implementation;
}

/** True for an implementation made by unprovidedActor, unprovidedGuard or unprovidedAction. */
export function isStandIn(implementation: unknown): boolean {
  return (
    (typeof implementation === 'object' || typeof implementation === 'function') &&
    implementation !== null &&
    STAND_IN in implementation
  );
}

export class NotProvidedError extends Error {
  constructor(kind: 'actor' | 'guard' | 'action', name: string, machine: string) {
    super(
      `the ${kind} '${name}' of the ${machine} machine was run without an implementation: ` +
        `create the machine through its agent definition (createMachine(services)), which provides it`,
    );
    this.name = 'NotProvidedError';
  }
}

/**
 * The names of the stand-ins a machine still holds (`actor readAccount`), its child machines'
 * included (`actor dataScout > actor readAccount`): a machine about to run should hold none, and
 * saying so when it is built beats failing half-way through a run.
 */
export function standInsOf(machine: AnyStateMachine): string[] {
  const { actors, guards, actions } = machine.implementations;
  const kinds = { actor: actors, guard: guards, action: actions } as const;
  return Object.entries(kinds).flatMap(([kind, implementations]) =>
    Object.entries(implementations as Record<string, unknown>).flatMap(([name, implementation]) => {
      if (isStandIn(implementation)) return [`${kind} ${name}`];
      if (implementation instanceof StateMachine)
        return standInsOf(implementation).map((inner) => `${kind} ${name} > ${inner}`);
      return [];
    }),
  );
}

/** A promise actor with the given types that rejects with {@link NotProvidedError}. */
export function unprovidedActor<TOutput, TInput = NonReducibleUnknown>(
  machine: string,
  name: string,
): PromiseActorLogic<TOutput, TInput> {
  return markStandIn(
    fromPromise<TOutput, TInput>(async () => {
      throw new NotProvidedError('actor', name, machine);
    }),
  );
}

/** A guard that throws {@link NotProvidedError} when evaluated. */
export function unprovidedGuard(machine: string, name: string): () => boolean {
  return markStandIn(() => {
    throw new NotProvidedError('guard', name, machine);
  });
}

/** An action that throws {@link NotProvidedError} when executed. */
export function unprovidedAction(machine: string, name: string): () => void {
  return markStandIn(() => {
    throw new NotProvidedError('action', name, machine);
  });
}
