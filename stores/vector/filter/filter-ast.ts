/**
 * The portable metadata filter language, parsed into one AST that each backend compiles.
 *
 * Syntax (Mongo-like): `{ "field": value }` is `$eq`; `{ "field": { "$gt": 1, "$lt": 5 } }` ANDs its
 * operators; several keys in one object are ANDed; `$and` / `$or` take a non-empty array of filters;
 * `$not` takes one filter. Dotted keys (`"owner.region"`) reach into nested metadata.
 *
 * Semantics, defined here once and kept by every backend (the memory backend's evaluator in
 * ./evaluate-filter.ts is the reference):
 * - A field is *missing* when a step of its path is absent, is not an object, or its value is null.
 * - `$eq`, `$in`: the field holds a scalar equal to the operand (strict: 1 ≠ "1" ≠ true).
 * - `$ne`, `$nin`: the negation of `$eq` / `$in`, so they **match records where the field is missing**
 *   (as MongoDB, Qdrant's must_not and Chroma ≥ 0.5.12 do).
 * - `$gt $gte $lt $lte`: the operand is a finite number; they match only numeric fields.
 * - `$exists: true|false`: the field is present (non-null) or missing.
 * - `$not`: logical negation of its filter, so it matches records where the inner filter's field is missing.
 * - A field holding an array or object equals no scalar (so `$eq`/`$in`/ranges are false, `$ne`/`$nin` true).
 */

export type Scalar = string | number | boolean;
export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte';
export type SetOp = 'in' | 'nin';
export type OperatorName =
  '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin' | '$exists' | '$and' | '$or' | '$not';

export type FilterNode =
  | { kind: 'and'; children: FilterNode[] }
  | { kind: 'or'; children: FilterNode[] }
  | { kind: 'not'; child: FilterNode }
  | { kind: 'compare'; path: string[]; op: CompareOp; value: Scalar }
  | { kind: 'set'; path: string[]; op: SetOp; values: Scalar[] }
  | { kind: 'exists'; path: string[]; exists: boolean };

/** What callers pass: a JSON object in the syntax above. Validated by parseFilter. */
export type FilterInput = Record<string, unknown>;

/** The operator name a node came from, for error messages of backends that cannot express it. */
export function operatorOf(node: FilterNode): OperatorName {
  switch (node.kind) {
    case 'and':
      return '$and';
    case 'or':
      return '$or';
    case 'not':
      return '$not';
    case 'exists':
      return '$exists';
    default:
      return `$${node.op}`;
  }
}

/** Every field path a filter reads (for payload indexes), dotted, without duplicates. */
export function filterPaths(node: FilterNode | null): string[] {
  const paths = new Set<string>();
  const visit = (n: FilterNode): void => {
    if (n.kind === 'and' || n.kind === 'or') n.children.forEach(visit);
    else if (n.kind === 'not') visit(n.child);
    else paths.add(n.path.join('.'));
  };
  if (node) visit(node);
  return [...paths];
}
