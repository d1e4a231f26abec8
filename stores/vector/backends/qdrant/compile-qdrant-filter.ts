import type { Schemas } from '@qdrant/js-client-rest';
import { UnsupportedError } from '#core';
import type { FilterNode, OperatorName, Scalar } from '../../filter/filter-ast.js';
import { operatorOf } from '../../filter/filter-ast.js';
import { METADATA_KEY } from './qdrant-payload.js';

export type QdrantFilter = Schemas['Filter'];
export type QdrantCondition = Schemas['Condition'];

/**
 * Compiles the portable filter AST (filter-ast.ts) to a Qdrant filter with the same matches,
 * given payloads written by encodePayload (qdrant-payload.ts). How each part stays exact — checked
 * against Qdrant's condition checker (lib/segment/src/payload_storage/condition_checker.rs):
 *
 * - `$eq` on a string or boolean → `match: {value}`. Qdrant's match is typed: a string matches only
 *   a string and a boolean only a boolean, so `1`, `"1"` and `true` stay apart as the reference wants.
 * - `$eq` on a number → `range: {gte: n, lte: n}`, not `match`. `match` takes integers only (1.5 is a
 *   request error) and compares through `as_i64`; a range compares any JSON number as f64, which is
 *   JavaScript's `===` on numbers, and a float payload index serves it (see payload-index-plan.ts).
 * - `$gt $gte $lt $lte` → `range`, which matches numbers only (not numeric strings or booleans).
 * - `$in` → `match: {any}` for its strings, one point range per number, `match: {value}` per boolean,
 *   ORed in `should`.
 * - `$ne`, `$nin`, `$not` → `must_not` around the positive condition. Qdrant's must_not is the plain
 *   negation of its condition, and a condition on a missing or null field is false, so these match
 *   records where the field is missing, as the reference semantics say.
 * - `$exists: false` → `is_empty` (missing, null or `[]`; arrays never reach Qdrant as such, see
 *   qdrant-payload.ts); `$exists: true` → `must_not: is_empty`.
 * - Arrays: stored arrays are replaced by `{}`, so they equal no scalar and match no range, like the
 *   reference; Qdrant's own "any element matches" never comes into play.
 * - Dotted paths → `metadata.<path>`; a segment that is not plain ASCII `[A-Za-z0-9_-]` is quoted.
 *   Qdrant's key syntax has no escape for `"` or `\`: a filter on such a key raises UnsupportedError
 *   naming the operator. It is the one thing this backend refuses; no operator is dropped.
 */
export function compileQdrantFilter(node: FilterNode | null): QdrantFilter | undefined {
  if (node === null) return undefined;
  const condition = compileNode(node);
  // The top level must be a Filter; a lone field condition goes in `must`.
  return isFilter(condition) ? condition : { must: [condition] };
}

function compileNode(node: FilterNode): QdrantCondition {
  switch (node.kind) {
    case 'and':
      return { must: node.children.map(compileNode) };
    case 'or':
      return { should: node.children.map(compileNode) };
    case 'not':
      return { must_not: [compileNode(node.child)] };
    case 'exists': {
      const isEmpty: QdrantCondition = { is_empty: { key: qdrantKey(node.path, '$exists') } };
      return node.exists ? { must_not: [isEmpty] } : isEmpty;
    }
    case 'set': {
      const member = anyOf(qdrantKey(node.path, operatorOf(node)), node.values);
      return node.op === 'in' ? member : { must_not: [member] };
    }
    case 'compare': {
      const key = qdrantKey(node.path, operatorOf(node));
      switch (node.op) {
        case 'eq':
          return equals(key, node.value);
        case 'ne':
          return { must_not: [equals(key, node.value)] };
        default:
          return { key, range: { [node.op]: node.value } };
      }
    }
  }
}

function equals(key: string, value: Scalar): QdrantCondition {
  if (typeof value === 'number') return { key, range: { gte: value, lte: value } };
  return { key, match: { value } };
}

function anyOf(key: string, values: readonly Scalar[]): QdrantCondition {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const booleans = new Set<boolean>();
  for (const value of values) {
    if (typeof value === 'string') strings.add(value);
    else if (typeof value === 'number') numbers.add(value);
    else booleans.add(value);
  }
  const conditions: QdrantCondition[] = [];
  if (strings.size > 0) conditions.push({ key, match: { any: [...strings] } });
  for (const value of numbers) conditions.push(equals(key, value));
  for (const value of booleans) conditions.push(equals(key, value));
  return conditions.length === 1 ? conditions[0]! : { should: conditions };
}

const RAW_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * The Qdrant payload key of a metadata path: `metadata.` + the segments, each quoted unless it is
 * plain ASCII (Qdrant's parser accepts any key in double quotes except one holding `"` or `\`).
 */
export function qdrantKey(path: readonly string[], operator: OperatorName): string {
  const segments = path.map((segment) => {
    if (RAW_SEGMENT.test(segment)) return segment;
    if (segment.includes('"') || segment.includes('\\')) {
      throw new UnsupportedError(
        `qdrant cannot express ${operator} on field '${path.join('.')}': Qdrant's payload key syntax has no escape for '"' or '\\'`,
        { backend: 'qdrant', operator, field: path.join('.') },
      );
    }
    return `"${segment}"`;
  });
  return [METADATA_KEY, ...segments].join('.');
}

function isFilter(condition: QdrantCondition): condition is QdrantFilter {
  return 'must' in condition || 'should' in condition || 'must_not' in condition;
}
