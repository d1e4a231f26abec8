import type { AnyStateMachine } from 'xstate';

/** One transition of a state node: the event that takes it, and the ids of the states it targets. */
export interface MachineTransition {
  /** The event type; `always` for an eventless transition (XState's own event names are kept). */
  event: string;
  /** Target state node ids (`account-review.review`); empty for a transition that stays. */
  targets: string[];
  /** The guard's name, when the transition has one. */
  guard?: string;
}

/** A state node of a statechart, as drawn: its children nested, its transitions listed. */
export interface MachineStateGraph {
  /** The node's full id (`machine.parent.key`), the same ids `state_entered` events lead to. */
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  tags: string[];
  /** The key of the child entered first (compound nodes). */
  initial?: string;
  transitions: MachineTransition[];
  states: MachineStateGraph[];
}

/**
 * The shape of a statechart without any of its services: every state node with its type, tags,
 * initial child and transitions. Built from the machine definition, so it is what runs execute,
 * not a drawing kept beside it.
 */
export function describeMachine(machine: AnyStateMachine): MachineStateGraph {
  return describeNode(machine.root);
}

type StateNode = AnyStateMachine['root'];

function describeNode(node: StateNode): MachineStateGraph {
  const transitions: MachineTransition[] = [];
  for (const [event, list] of node.transitions)
    for (const transition of list) transitions.push(describeTransition(event, transition));
  for (const transition of node.always ?? []) transitions.push(describeTransition('always', transition));
  const initial = node.type === 'compound' ? node.initial.target[0]?.key : undefined;
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    tags: [...node.tags],
    ...(initial === undefined ? {} : { initial }),
    transitions,
    states: Object.values(node.states).map(describeNode),
  };
}

function describeTransition(
  event: string,
  transition: { target?: ReadonlyArray<{ id: string }> | undefined; guard?: unknown },
): MachineTransition {
  const guard = guardName(transition.guard);
  return {
    event,
    targets: (transition.target ?? []).map((target) => target.id),
    ...(guard === undefined ? {} : { guard }),
  };
}

/** A named guard (`'isHighRisk'`, `{ type: 'isHighRisk' }`); inline functions have no name worth showing. */
function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string')
    return guard.type;
  if (typeof guard === 'function' && guard.name) return guard.name;
  return undefined;
}
