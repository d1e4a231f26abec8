import type { FilterNode, Scalar } from '../../filter/filter-ast.js';
import { qdrantKey } from './compile-qdrant-filter.js';

/** The payload index schemas this backend creates. */
export type IndexSchema = 'keyword' | 'float' | 'bool';

export interface PayloadIndexPlan {
  /** The metadata path as the filter wrote it (`owner.region`). */
  path: string;
  /** The Qdrant payload key (`metadata.owner.region`). */
  key: string;
  schema: IndexSchema;
}

/**
 * Which payload indexes would serve a filter. The store creates each one the first time a filter
 * uses its key in a collection (it does not know the keys before), unless the key has an index of
 * any schema already; the option `autoIndex: false` turns this off.
 *
 * The schema follows the operand types the filter compares the key with:
 * - strings → `keyword` (serves `match: {value}` / `match: {any}` on strings);
 * - booleans → `bool`;
 * - numbers → `float`, never `integer`: numbers compile to ranges, and Qdrant's integer index
 *   truncates a range's bounds to integers and does not index non-integer values, so
 *   `score >= 1.5` would go wrong on it. The float index holds every JSON number.
 * A key compared with operands of more than one type gets no index (Qdrant allows one per key,
 * and an index of one type can't serve the others), and neither does a key only tested with
 * `$exists`. Such filters still return exact results: Qdrant checks unindexed keys on the payload.
 *
 * An index never changes which points match: Qdrant uses an index only for conditions of its own
 * type (a keyword index for string matches, ...) and reads the payload for the rest.
 */
export function planPayloadIndexes(node: FilterNode | null): PayloadIndexPlan[] {
  const operands = new Map<string, { path: string[]; types: Set<IndexSchema> }>();
  const note = (path: string[], values: readonly Scalar[]) => {
    const dotted = path.join('.');
    const entry = operands.get(dotted) ?? { path, types: new Set<IndexSchema>() };
    for (const value of values) entry.types.add(schemaOf(value));
    operands.set(dotted, entry);
  };
  const visit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        n.children.forEach(visit);
        return;
      case 'not':
        visit(n.child);
        return;
      case 'compare':
        note(n.path, [n.value]);
        return;
      case 'set':
        note(n.path, n.values);
        return;
      case 'exists':
        return;
    }
  };
  if (node) visit(node);
  const plans: PayloadIndexPlan[] = [];
  for (const [path, { path: segments, types }] of operands) {
    if (types.size !== 1) continue;
    const [schema] = types as Set<IndexSchema>;
    plans.push({ path, key: qdrantKey(segments, '$eq'), schema: schema! });
  }
  return plans;
}

function schemaOf(value: Scalar): IndexSchema {
  if (typeof value === 'string') return 'keyword';
  return typeof value === 'number' ? 'float' : 'bool';
}
