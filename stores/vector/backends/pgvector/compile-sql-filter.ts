import type { FilterNode, Scalar } from '../../filter/filter-ast.js';

/** A WHERE condition over the `metadata` jsonb column and the parameters it refers to. */
export interface CompiledSqlFilter {
  /** A boolean SQL expression; `TRUE` for no filter. Never contains caller text. */
  sql: string;
  /** Values for `$firstParam…`, in order: path segments as text, operands as JSON text. */
  params: string[];
}

/**
 * Compiles the filter AST to SQL that keeps exactly the semantics of filter-ast.ts (the memory
 * backend's evaluateFilter is the reference). Every operator is expressible, so nothing is refused.
 *
 * How each rule is kept:
 * - A path is walked with `metadata -> $n::text -> …`. `->` with a text key yields NULL on a
 *   scalar or an array, which is the reference's "a step that is not an object is missing".
 *   (`#>` with a text[] path is not used: it indexes arrays with numeric segments, so
 *   `{"list.0": 1}` would match `{list: [1]}`.)
 * - Missing means SQL NULL (absent) or the JSON null; both map to "not a scalar".
 * - `$eq` compares jsonb values: strict by JSON type (1 ≠ "1" ≠ true), numbers by value
 *   (1 = 1.0), and an array or object equals no scalar.
 * - Ranges require `jsonb_typeof = 'number'`, then compare jsonb numbers (no cast that could fail
 *   on a string, whatever order the planner evaluates the conjuncts in).
 * - Every compiled predicate is two-valued (NULL is folded to false with coalesce), so NOT,
 *   `$ne` and `$nin` are exact negations that match missing fields.
 */
export function compileSqlFilter(node: FilterNode | null, firstParam = 1): CompiledSqlFilter {
  const params: string[] = [];
  const param = (value: string): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  const field = (path: readonly string[]): string =>
    `(metadata${path.map((segment) => ` -> ${param(segment)}::text`).join('')})`;
  const json = (value: Scalar | Scalar[]): string => `${param(JSON.stringify(value))}::jsonb`;

  const compile = (n: FilterNode): string => {
    switch (n.kind) {
      case 'and':
        return `(${n.children.map(compile).join(' AND ')})`;
      case 'or':
        return `(${n.children.map(compile).join(' OR ')})`;
      case 'not':
        return `(NOT ${compile(n.child)})`;
      case 'exists': {
        const test = `coalesce(jsonb_typeof(${field(n.path)}), 'null')`;
        return n.exists ? `(${test} <> 'null')` : `(${test} = 'null')`;
      }
      case 'set': {
        // The operand array is unnested once (an uncorrelated subquery), then compared as jsonb.
        const member = `coalesce(${field(n.path)} = ANY (ARRAY(SELECT jsonb_array_elements(${json(n.values)}))), false)`;
        return n.op === 'in' ? member : `(NOT ${member})`;
      }
      case 'compare': {
        const value = field(n.path);
        switch (n.op) {
          case 'eq':
            return `coalesce(${value} = ${json(n.value)}, false)`;
          case 'ne':
            return `(NOT coalesce(${value} = ${json(n.value)}, false))`;
          default:
            return `coalesce(jsonb_typeof(${value}) = 'number' AND ${value} ${RANGE_SQL[n.op]} ${json(n.value)}, false)`;
        }
      }
    }
  };

  return node === null ? { sql: 'TRUE', params } : { sql: compile(node), params };
}

const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
