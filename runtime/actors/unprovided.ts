import { fromPromise, type PromiseActorLogic } from 'xstate';

/**
 * Stand-ins for the implementations a module-level machine declares in `setup()` and gets from
 * `machine.provide()` once a run's services exist. They carry the types the machine is checked
 * against; run without being provided, they fail naming what is missing, instead of doing
 * something plausible and wrong.
 */

export class NotProvidedError extends Error {
  constructor(kind: 'actor' | 'guard' | 'action', name: string, machine: string) {
    super(
      `the ${kind} '${name}' of the ${machine} machine was run without an implementation: ` +
        `create the machine through its agent definition (createMachine(services)), which provides it`,
    );
    this.name = 'NotProvidedError';
  }
}

/** A promise actor with the given types that rejects with {@link NotProvidedError}. */
export function unprovidedActor<TOutput, TInput = unknown>(
  machine: string,
  name: string,
): PromiseActorLogic<TOutput, TInput> {
  return fromPromise<TOutput, TInput>(async () => {
    throw new NotProvidedError('actor', name, machine);
  });
}

/** A guard that throws {@link NotProvidedError} when evaluated. */
export function unprovidedGuard(machine: string, name: string): () => boolean {
  return () => {
    throw new NotProvidedError('guard', name, machine);
  };
}

/** An action that throws {@link NotProvidedError} when executed. */
export function unprovidedAction(machine: string, name: string): () => void {
  return () => {
    throw new NotProvidedError('action', name, machine);
  };
}
