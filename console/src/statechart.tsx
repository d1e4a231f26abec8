/** A state node as GET /v1/agents/{name}/machine answers it. */
export interface MachineNode {
  id: string;
  key: string;
  type: string;
  tags: string[];
  initial?: string;
  transitions: Array<{ event: string; targets: string[]; guard?: string }>;
  states: MachineNode[];
}

/** The ids of the state nodes a state value names (`{ review: 'compliance' }` → review, review.compliance). */
export function activeIds(rootId: string, value: unknown): Set<string> {
  const ids = new Set<string>();
  const walk = (prefix: string, part: unknown) => {
    if (typeof part === 'string') ids.add(`${prefix}.${part}`);
    else if (part && typeof part === 'object')
      for (const [key, child] of Object.entries(part)) {
        ids.add(`${prefix}.${key}`);
        walk(`${prefix}.${key}`, child);
      }
  };
  walk(rootId, value);
  return ids;
}

/** XState's own event names, said shortly. */
const eventLabel = (event: string): string =>
  event === 'always'
    ? 'always'
    : event.startsWith('xstate.done.actor.')
      ? 'done'
      : event.startsWith('xstate.error.actor.')
        ? 'error'
        : event.startsWith('xstate.after.')
          ? 'after'
          : event.startsWith('xstate.done.state.')
            ? 'done'
            : event;

/**
 * The statechart drawn as nested boxes: compound states hold their children, each state lists the
 * transitions leaving it; the states the run is in are highlighted.
 */
export function Statechart({
  node,
  active,
  visited,
}: {
  node: MachineNode;
  active: Set<string>;
  visited: Set<string>;
}) {
  const short = (id: string) => id.split('.').slice(-1)[0];
  const classes = [
    'state',
    `type-${node.type}`,
    active.has(node.id) ? 'current' : '',
    visited.has(node.id) ? 'visited' : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div class={classes} data-state={node.id}>
      <div class="state-name">
        {node.key}
        {node.tags.map((tag) => (
          <span class="tag" key={tag}>
            {tag}
          </span>
        ))}
      </div>
      {node.transitions.length > 0 && (
        <ul class="transitions">
          {node.transitions.map((t, index) => (
            <li key={index}>
              {eventLabel(t.event)}
              {t.guard ? ` [${t.guard}]` : ''} → {t.targets.map(short).join(', ') || '·'}
            </li>
          ))}
        </ul>
      )}
      {node.states.length > 0 && (
        <div class={`children ${node.type === 'parallel' ? 'parallel' : ''}`}>
          {node.states.map((child) => (
            <Statechart node={child} active={active} visited={visited} key={child.id} />
          ))}
        </div>
      )}
    </div>
  );
}
