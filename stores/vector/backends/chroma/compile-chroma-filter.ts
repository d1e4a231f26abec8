import type { Where } from 'chromadb';
import { UnsupportedError } from '#core';
import type { CompareOp, FilterNode, Scalar } from '../../filter/filter-ast.js';
import { operatorOf } from '../../filter/filter-ast.js';
import { typeKey, VALUE_TYPES, valueKey } from './chroma-metadata.js';

/**
 * Compiles the portable filter AST to a Chroma `where` clause over the encoding of
 * ./chroma-metadata.ts, keeping the semantics of filter-ast.ts exactly (checked against a real
 * Chroma 1.0.5 server by the conformance suite):
 * - `$eq $ne $in $nin $gt $gte $lt $lte` map to Chroma's operators. Chroma is strict about types
 *   (1 ≠ "1" ≠ true) and its `$ne`/`$nin` match records that lack the key, as ours do.
 * - Chroma has no `$not`: negation is pushed down to the leaves (De Morgan; not eq → ne,
 *   not in → nin and back). A negated range `not(x > 5)` is "x is not a number, or x ≤ 5": the
 *   type marker says whether x is a number.
 * - Chroma has no `$exists`: it is a condition on the type marker, which exists iff the value is
 *   non-null.
 * - Chroma's `$and`/`$or` need two or more children and one key per object: several conditions
 *   are always wrapped in `$and`, a single one is used bare.
 * - Chroma's `$in` lists must hold one type: a mixed list becomes an `$or` of one list per type
 *   (and `$nin` an `$and`).
 * Every operator of the language is expressible; a node this compiler does not know (a future
 * operator) is refused with UnsupportedError rather than dropped.
 */
export function compileChromaFilter(node: FilterNode | null): Where | undefined {
  return node === null ? undefined : compile(node, false);
}

const COMPLEMENT: Record<Exclude<CompareOp, 'eq' | 'ne'>, '$gt' | '$gte' | '$lt' | '$lte'> = {
  gt: '$lte',
  gte: '$lt',
  lt: '$gte',
  lte: '$gt',
};

/** Compiles `node`, or its negation when `negated`. */
function compile(node: FilterNode, negated: boolean): Where {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const children = node.children.map((child) => compile(child, negated));
      // De Morgan: a negated conjunction is a disjunction of negations, and the other way round.
      return combine((node.kind === 'and') !== negated ? '$and' : '$or', children);
    }
    case 'not':
      return compile(node.child, !negated);
    case 'exists': {
      const present = node.exists !== negated;
      return { [typeKey(node.path)]: present ? { $in: [...VALUE_TYPES] } : { $nin: [...VALUE_TYPES] } };
    }
    case 'set':
      return membership(node.path, node.values, (node.op === 'in') !== negated);
    case 'compare': {
      const key = valueKey(node.path);
      if (node.op === 'eq' || node.op === 'ne') {
        return { [key]: (node.op === 'eq') !== negated ? { $eq: node.value } : { $ne: node.value } };
      }
      if (!negated) return { [key]: { [`$${node.op}`]: node.value } } as Where;
      // not(x > v) holds when x is missing or not a number too, which a range on x alone cannot say.
      return {
        $or: [
          { [typeKey(node.path)]: { $ne: 'number' } },
          { [key]: { [COMPLEMENT[node.op]]: node.value } } as Where,
        ],
      };
    }
    default: {
      const unknown: never = node;
      const operator = operatorOf(unknown as FilterNode);
      throw new UnsupportedError(`chroma cannot express the filter operator ${operator}`, {
        backend: 'chroma',
        operator,
      });
    }
  }
}

/** `$in` (member) or `$nin` over values of mixed types. */
function membership(path: readonly string[], values: readonly Scalar[], member: boolean): Where {
  const key = valueKey(path);
  const clauses: Where[] = valueGroups(values).map((group) =>
    group.length === 1 && isLooseNumber(group[0]!)
      ? { [key]: member ? { $eq: group[0]! } : { $ne: group[0]! } }
      : { [key]: member ? { $in: group } : { $nin: group } },
  );
  // x ∈ A ∪ B is (x ∈ A) or (x ∈ B); x ∉ A ∪ B is (x ∉ A) and (x ∉ B).
  return combine(member ? '$or' : '$and', clauses);
}

/**
 * Splits values into lists Chroma accepts as one `$in` operand: strings, booleans, integers and
 * fractions separately (the server refuses `[5, 1.5]`). An integer beyond ±2^53 is sent as a
 * lone `$eq`, because the JSON number the client writes for it may parse as i64, u64 or f64.
 */
function valueGroups(values: readonly Scalar[]): Scalar[][] {
  const strings: string[] = [];
  const booleans: boolean[] = [];
  const integers: number[] = [];
  const fractions: number[] = [];
  const loose: number[][] = [];
  for (const value of values) {
    if (typeof value === 'string') strings.push(value);
    else if (typeof value === 'boolean') booleans.push(value);
    else if (Number.isSafeInteger(value)) integers.push(value);
    else if (isLooseNumber(value)) loose.push([value]);
    else fractions.push(value);
  }
  return [strings, booleans, integers, fractions, ...loose].filter((group) => group.length > 0);
}

function isLooseNumber(value: Scalar): value is number {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}

/** Chroma's `$and`/`$or` take two or more children: one child is used bare, nested same-op lists are merged. */
function combine(op: '$and' | '$or', children: Where[]): Where {
  const flat = children.flatMap((child) => {
    const nested = (child as Record<string, unknown>)[op];
    return Object.keys(child).length === 1 && Array.isArray(nested) ? (nested as Where[]) : [child];
  });
  if (flat.length === 1) return flat[0]!;
  return op === '$and' ? { $and: flat } : { $or: flat };
}
